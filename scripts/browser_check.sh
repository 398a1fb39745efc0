#!/usr/bin/env bash
# Run `python -m jupyterlab.browser_check` (JupyterLab starts in a real browser with no
# console or server errors) against Debian's Chromium instead of a downloaded browser.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC1091
. .venv/bin/activate
app_dir=$(python -c "from jupyterlab.commands import get_app_dir; print(get_app_dir())")
target="$app_dir/browser_test"
rm -rf "$target"
mkdir -p "$target/node_modules/.bin"
cp -r scripts/browser-check-shim "$target/node_modules/playwright"
cp ui-tests/chromium.js "$target/node_modules/playwright/chromium.js"
ln -s "$PWD/ui-tests/node_modules/playwright-core" "$target/node_modules/playwright-core"
ln -s ../playwright/cli.js "$target/node_modules/.bin/playwright"
chmod +x "$target/node_modules/playwright/cli.js"
printf '{"name": "browser_test", "private": true}\n' > "$target/package.json"
# Its server's root is the working folder: use a throwaway one, so nothing the extension
# writes at start (the __templates__ sync) lands in the repository.
workspace=$(mktemp -d)
trap 'rm -rf "$workspace"' EXIT
cd "$workspace"
python -m jupyterlab.browser_check --allow-root
