#!/usr/bin/env bash
# Install everything and run ALL tests: lint and type checks, pytest, frontend unit tests
# (Vitest), install checks (labextension/server extension/browser_check) and the Galata UI
# tests in Debian's Chromium. Exits non-zero if anything fails.
# Usage: bash scripts/test.sh            (CI runs it through .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PIP_DISABLE_PIP_VERSION_CHECK=1
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

# --- system packages the tests need: Chromium (from Debian; browsers cannot be downloaded) ---
if ! command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1; then
  step "Installing Chromium from Debian"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq chromium >/dev/null
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
step "pytest"
# Any non-zero exit fails the run, 5 (no test collected) included: the suite is never empty.
python -m pytest -q

step "Frontend unit tests (Vitest)"
jlpm test

step "UI tests (Galata, Debian Chromium)"
(cd ui-tests && jlpm playwright test)

step "All tests passed in $(( $(date +%s) - started )) s"
