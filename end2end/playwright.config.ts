import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright's own browser download cannot work on these machines.
const launchOptions = {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

const sqlite = 'http://127.0.0.1:3101';
const postgres = 'http://127.0.0.1:3102';
// Journeys that only make sense with JavaScript (hydration, no full reloads) are named *.js.spec.ts.
const jsOnly = /\.js\.spec\.ts$/;

export default defineConfig({
  testDir: './tests',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  workers: 2,
  forbidOnly: true,
  retries: 0,
  outputDir: '../target/playwright',
  use: { launchOptions, trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    { name: 'sqlite-js', use: { baseURL: sqlite, javaScriptEnabled: true } },
    { name: 'sqlite-nojs', use: { baseURL: sqlite, javaScriptEnabled: false }, testIgnore: jsOnly },
    { name: 'postgres-js', use: { baseURL: postgres, javaScriptEnabled: true } },
    { name: 'postgres-nojs', use: { baseURL: postgres, javaScriptEnabled: false }, testIgnore: jsOnly },
  ],
  webServer: [
    { command: './start-server.sh sqlite 3101', url: `${sqlite}/readyz`, timeout: 60_000, reuseExistingServer: false, stdout: 'ignore', stderr: 'pipe' },
    { command: './start-server.sh postgres 3102', url: `${postgres}/readyz`, timeout: 60_000, reuseExistingServer: false, stdout: 'ignore', stderr: 'pipe' },
  ],
});
