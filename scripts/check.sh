#!/usr/bin/env bash
# The static checks (fast; run before every commit; scripts/test.sh runs them too):
# ruff lint + format check, mypy and the import rules (import-linter) for Python; strict tsc,
# eslint (import/no-cycle included) and prettier for TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. .venv/bin/activate
step() { printf '\n==> %s\n' "$*"; }
step "Python: ruff (lint + format) and mypy"
ruff check .
ruff format --check .
mypy
step "Python: import rules (layers, independent capabilities, no server in the domain, no circle)"
lint-imports
step "TypeScript: strict tsc (sources and tests), eslint (no import cycle), prettier"
jlpm typecheck
jlpm lint
