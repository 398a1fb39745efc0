/**
 * How the tests start Debian's Chromium (browsers cannot be downloaded on these machines):
 * shared by the Galata config and the browser_check stand-in (scripts/browser_check.sh).
 */
module.exports = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic'
  ]
};
