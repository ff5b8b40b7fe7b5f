// First load as a person on a slow connection meets it: Chromium with 1.6 Mbps down, 750 Kbps
// up, 150 ms round trip and a CPU slowed 4x (Lighthouse's mobile profile), a cold cache. For
// each page: bytes transferred (Chromium's network log: encoded sizes with headers) and time to
// interactive (until the app has hydrated: body[data-hydrated=true]); then the same page again
// with the warm cache. A benchmark, not a test: it prints figures.
//
//   node bench/first-load.mjs http://127.0.0.1:3000 [path ...]   (default: / and /request/software)
// signed in as BENCH_EMAIL (member@tierdesk.test) with the demo password.
// Needs end2end's node_modules (playwright-core) and /usr/bin/chromium.
import { createRequire } from 'node:module';
const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const base = process.argv[2] || 'http://127.0.0.1:3000';
const paths = process.argv.length > 3 ? process.argv.slice(3) : ['/', '/request/software'];
const PROFILE = { downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8, latency: 150 };

async function load(page, cdp, url) {
  const sizes = new Map();
  const onDone = (e) => sizes.set(e.requestId, e.encodedDataLength);
  cdp.on('Network.loadingFinished', onDone);
  const started = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 120000 });
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 120000 });
  const tti = Date.now() - started;
  await page.waitForTimeout(300);
  cdp.off('Network.loadingFinished', onDone);
  let bytes = 0;
  for (const n of sizes.values()) bytes += n;
  return { tti, bytes, requests: sizes.size };
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
console.log(`first load at 1.6 Mbps, 150 ms RTT, CPU 4x slower: ${base}`);
console.log('page                       cold KB  cold TTI ms  requests   warm KB  warm TTI ms');
for (const path of paths) {
  const context = await browser.newContext();
  // Signed in as a requester (without loading any page, so the cache stays cold).
  const email = process.env.BENCH_EMAIL || 'member@tierdesk.test';
  const password = process.env.TIERDESK_DEMO_PASSWORD || 'tierdesk-demo-2026';
  const signedIn = await context.request.post(base + '/fn/sign_in', {
    form: { email, password },
    headers: { Accept: 'application/json', 'Sec-Fetch-Site': 'same-origin' },
  });
  if (!signedIn.ok()) throw new Error(`sign-in answered ${signedIn.status()}`);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, ...PROFILE });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  // BENCH_IDENTITY=1 asks for nothing compressed: the figures before compression.
  if (process.env.BENCH_IDENTITY) {
    await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
  }
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const cold = await load(page, cdp, base + path);
  const warm = await load(page, cdp, base + path);
  console.log(
    `${path.padEnd(26)} ${(cold.bytes / 1024).toFixed(1).padStart(8)} ${String(cold.tti).padStart(12)}` +
      ` ${String(cold.requests).padStart(9)} ${(warm.bytes / 1024).toFixed(1).padStart(9)} ${String(warm.tti).padStart(12)}`,
  );
  if (errors.length) console.log('  browser errors:', errors);
  await context.close();
}
await browser.close();
