#!/usr/bin/env bash
# Install everything and run ALL tests: lint and type checks, pytest (the store's tests on
# SQLite and on a PostgreSQL server this script starts), frontend unit tests (Vitest), install
# checks (labextension/server extension/browser_check) and the Galata UI tests in Debian's
# Chromium. Exits non-zero if anything fails.
# Usage: bash scripts/test.sh            (CI runs it through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

# --- system packages the tests need, from Debian: Chromium (browsers cannot be downloaded)
# and PostgreSQL (the store's tests run on SQLite and on a PostgreSQL server) ---
packages=()
command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1 || packages+=(chromium)
if [ -z "${NAAS_TEST_PG_URL:-}" ] && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null \
  && ! command -v initdb >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  step "Installing ${packages[*]} from Debian"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# --- Python + JS install, labextension build ---
bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate

step "UI test dependencies"
(cd ui-tests && if [ -n "${CI:-}" ]; then jlpm install --immutable; else jlpm install; fi)

# --- static checks ---
bash scripts/check.sh

# --- the extension is installed and loads ---
step "Install checks"
jupyter labextension list 2>&1 | tee /tmp/naas-labext.txt | grep -E "naas_lab_ext.*enabled.*OK" \
  || { cat /tmp/naas-labext.txt; echo "naas_lab_ext labextension is not enabled and OK"; exit 1; }
jupyter server extension list 2>&1 | tee /tmp/naas-serverext.txt | grep -E "naas_lab_ext.*enabled" \
  || { cat /tmp/naas-serverext.txt; echo "naas_lab_ext server extension is not enabled"; exit 1; }
grep -qE "naas_lab_ext.*OK" /tmp/naas-serverext.txt \
  || { cat /tmp/naas-serverext.txt; echo "naas_lab_ext server extension did not validate"; exit 1; }
bash scripts/browser_check.sh

# --- tests ---
# A throwaway PostgreSQL on 127.0.0.1 for the store's tests (unless $NAAS_TEST_PG_URL names
# one already), stopped and deleted when this script ends, however it ends.
if [ -z "${NAAS_TEST_PG_URL:-}" ]; then
  step "PostgreSQL for the store tests"
  pg_env=$(mktemp)
  bash scripts/postgres.sh start "$pg_env"
  # shellcheck disable=SC1090
  . "$pg_env"
  rm -f "$pg_env"
  trap 'bash scripts/postgres.sh stop' EXIT
fi

step "pytest"
# Any non-zero exit fails the run, 5 (no test collected) included: the suite is never empty.
python -m pytest -q

step "Frontend unit tests (Vitest)"
jlpm test

step "UI tests (Galata, Debian Chromium)"
(cd ui-tests && jlpm playwright test)

step "All tests passed in $(( $(date +%s) - started )) s"
