// Used by `python -m jupyterlab.browser_check` through scripts/browser_check.sh.
const core = require('playwright-core');

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const args = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
];

module.exports = {
  ...core,
  chromium: {
    launch: options =>
      core.chromium.launch({ ...options, executablePath, args })
  }
};
