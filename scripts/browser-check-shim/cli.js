#!/usr/bin/env node
// `playwright install <browser>` would download a browser: Debian's Chromium is used instead.
const fs = require('fs');

const { executablePath: executable } = require('./chromium');
if (!fs.existsSync(executable)) {
  console.error(
    `Chromium not found at ${executable}: install it with 'apt-get install chromium'.`
  );
  process.exit(1);
}
console.log(`Using ${executable} (no browser download).`);
