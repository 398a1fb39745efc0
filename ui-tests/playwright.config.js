/**
 * Galata/Playwright configuration: Debian's Chromium (browser downloads are impossible
 * here), one worker (2-core machines), the Lab server started by `jlpm start`.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const chromium = require('./chromium');

const PORT = process.env.NAAS_UI_TEST_PORT || '8888';
const SERVER_URL = `http://127.0.0.1:${PORT}`;
process.env.TARGET_URL = SERVER_URL;

module.exports = {
  ...baseConfig,
  // Only tests/: the Lab's workspace next to it changes while the server runs (a templates
  // sync renames folders), and a scan of it fails on a folder that vanished meanwhile.
  testDir: './tests',
  workers: 1,
  // No retries: a test that passes only on a retry is a bug to find, not noise.
  retries: 0,
  timeout: 90 * 1000,
  expect: { timeout: 15 * 1000 },
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: SERVER_URL,
    browserName: 'chromium',
    launchOptions: { ...chromium },
    // video needs Playwright's own ffmpeg download, impossible here
    video: 'off',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure'
  },
  webServer: {
    command: 'jlpm start',
    url: `${SERVER_URL}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
