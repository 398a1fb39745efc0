#!/usr/bin/env bash
# Run every benchmark (tests/benchmarks/bench_*.py); each prints its figures and its ratios
# against a baseline measured in the same run. Not part of the test suite (no timed asserts).
# Usage: bash scripts/bench.sh [name-filter]
# Benchmarks: dask, manager, outputs, pipeline (P1/P2 vs papermill), scheduler,
# startup (CLI start-up, GET /pipelines cold/warm, frontend bundle size), templates.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate
status=0
found=0
for bench in tests/benchmarks/bench_*"${1:-}"*.py; do
  [ -e "$bench" ] || continue
  found=1
  printf '\n==> %s\n' "$bench"
  python "$bench" || status=1
done
[ "$found" = 1 ] || echo "no benchmark matches '${1:-}'"
exit $status
