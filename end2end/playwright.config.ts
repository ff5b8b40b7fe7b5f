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

// Journeys that only make sense with JavaScript (hydration, no full reloads) are named *.js.spec.ts.
const jsOnly = /\.js\.spec\.ts$/;

export default defineConfig({
  testDir: './tests',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  // Each worker starts its own server and database (tests/fixtures.ts), so journeys never share
  // data across workers and any test may run beside any other.
  fullyParallel: true,
  workers: Number(process.env.PW_WORKERS || 2),
  forbidOnly: true,
  retries: 0,
  outputDir: '../target/playwright',
  use: { launchOptions, trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: [
    { name: 'sqlite-js', use: { javaScriptEnabled: true } },
    { name: 'sqlite-nojs', use: { javaScriptEnabled: false }, testIgnore: jsOnly },
    { name: 'postgres-js', use: { javaScriptEnabled: true } },
    { name: 'postgres-nojs', use: { javaScriptEnabled: false }, testIgnore: jsOnly },
  ],
});
