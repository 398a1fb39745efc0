#!/usr/bin/env bash
# The static checks (fast; run before every commit; scripts/test.sh runs them too):
# ruff lint + format check and mypy for Python; strict tsc, eslint and prettier for TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. .venv/bin/activate
step() { printf '\n==> %s\n' "$*"; }
step "Python: ruff (lint + format) and mypy"
ruff check .
ruff format --check .
mypy
step "TypeScript: strict tsc (sources and tests), eslint, prettier"
jlpm typecheck
jlpm lint
