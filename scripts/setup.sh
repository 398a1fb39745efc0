#!/usr/bin/env bash
# Install everything needed to run and develop naas_lab_ext, idempotently:
# a Python virtual environment (.venv) with the extension installed in editable mode
# (server part + labextension built by hatch-jupyter-builder), and the JS dependencies.
# Usage: bash scripts/setup.sh            (re-run it after pulling; it is quick when up to date)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  step "Creating the virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"

step "Installing build tools (JupyterLab provides jlpm)"
python -m pip install -q --upgrade pip
python -m pip install -q "jupyterlab>=4.6,<5" "hatchling>=1.5" "hatch-jupyter-builder>=0.5" \
  "hatch-nodejs-version>=0.3.2" editables

step "Installing JS dependencies"
if [ -n "${CI:-}" ]; then jlpm install --immutable; else jlpm install; fi

step "Installing naas_lab_ext (editable, with test and dev extras)"
python -m pip install -q --no-build-isolation -e ".[test,dev]"

step "Building the labextension and linking it into JupyterLab"
jlpm build
jupyter-builder develop --overwrite . >/dev/null
jupyter server extension enable naas_lab_ext >/dev/null
