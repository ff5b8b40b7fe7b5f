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
// Sweeps of every page's markup: the same on either database.
const markupOnly = /(a11y|walk\.js)\.spec\.ts$/;

export default defineConfig({
  testDir: './tests',
  // A journey is several people's sessions, each signing in (argon2, bounded to one hash per core)
  // and loading pages: on CI's loaded two cores the longest took 46 s. Each step still fails after
  // `expect.timeout`, so a hang is caught there; this only bounds a whole journey.
  timeout: 90_000,
  expect: { timeout: 10_000 },
  // Each worker starts its own server and database (tests/fixtures.ts), so journeys never share
  // data across workers and any test may run beside any other.
  fullyParallel: true,
  workers: Number(process.env.PW_WORKERS || 2),
  forbidOnly: true,
  retries: 0,
  outputDir: '../target/playwright',
  use: { launchOptions, trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  // Every journey runs with and without JavaScript on SQLite, and with JavaScript on Postgres.
  // A page's markup and its no-JavaScript forms do not depend on the database (the same server
  // functions run either way, and the store is tested on both databases in Rust), so Postgres
  // runs neither a second no-JavaScript pass nor the markup sweeps (accessibility, the page
  // walk): that keeps the suite within CI's time. `PW_ALL=1` runs all four passes in full.
  projects: [
    { name: 'sqlite-js', use: { javaScriptEnabled: true } },
    { name: 'sqlite-nojs', use: { javaScriptEnabled: false }, testIgnore: jsOnly },
    { name: 'postgres-js', use: { javaScriptEnabled: true }, testIgnore: process.env.PW_ALL ? [] : [markupOnly] },
    ...(process.env.PW_ALL
      ? [{ name: 'postgres-nojs', use: { javaScriptEnabled: false }, testIgnore: jsOnly }]
      : []),
  ],
});
