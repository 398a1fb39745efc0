// Used by `python -m jupyterlab.browser_check` through scripts/browser_check.sh.
const core = require('playwright-core');

// chromium.js is ui-tests/chromium.js, copied beside this file by browser_check.sh.
const { executablePath, args } = require('./chromium');

module.exports = {
  ...core,
  chromium: {
    launch: options =>
      core.chromium.launch({ ...options, executablePath, args })
  }
};
