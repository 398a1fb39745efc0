#!/usr/bin/env bash
# Build and install naas_lab_ext, prepare a demo workspace (a sample data product; the
# bundled templates appear in __templates__ once the server has synced them) and launch
# JupyterLab on 127.0.0.1. The URL (with its token) is printed below; Ctrl+C stops it.
# Usage: bash scripts/demo.sh [extra jupyter lab options, e.g. --port=8899]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# shellcheck disable=SC1091
. .venv/bin/activate

WORKSPACE=${NAAS_DEMO_WORKSPACE:-$PWD/demo-workspace}
mkdir -p "$WORKSPACE"
if [ ! -e "$WORKSPACE/sales-report/product.json" ]; then
  printf '\n==> Creating the sample product in %s\n' "$WORKSPACE"
  naas-lab --root "$WORKSPACE" new sales-report \
    --title "Sales Report" \
    --description "Weekly sales by region, published every Monday for the sales team." \
    --contact-name "Demo User" --contact-email "demo@example.com"
fi

# The demo's own Lab settings and layouts (yours are left alone), without the prompt
# about Jupyter news.
STATE=${NAAS_DEMO_STATE:-$PWD/.demo-state}
mkdir -p "$STATE/settings/@jupyterlab/apputils-extension" "$STATE/workspaces"
NEWS="$STATE/settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
[ -e "$NEWS" ] || printf '{ "fetchNews": "false" }\n' > "$NEWS"

extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
printf '\n==> Launching JupyterLab on %s (open the URL printed below)\n' "$WORKSPACE"
exec jupyter lab --ServerApp.root_dir="$WORKSPACE" --ip=127.0.0.1 --no-browser \
  --LabApp.user_settings_dir="$STATE/settings" --LabApp.workspaces_dir="$STATE/workspaces" \
  "${extra[@]}" "$@"
