import { test, expect } from './fixtures';
import { PASSWORD, people, ready } from './helpers';

// The browser half is fetched once: content-hashed names, compressed, kept for a year, so a
// later page load fetches none of it again (issue 18).
test('the script, WebAssembly and stylesheet are hashed, compressed and cached', async ({ page }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map<string, string>();
  let bytes = 0;
  const fetched = new Set<string>();
  cdp.on('Network.responseReceived', (e: any) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e: any) => {
    const url = urls.get(e.requestId) || 'http://x/';
    if (new URL(url).pathname.startsWith('/pkg/') && e.encodedDataLength > 0) {
      bytes += e.encodedDataLength;
      fetched.add(url);
    }
  });

  const assets: { url: string; headers: Record<string, string> }[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/pkg/')) assets.push({ url: r.url(), headers: r.headers() });
  });
  const home = await page.goto('/');
  await ready(page, true);
  expect(['gzip', 'br']).toContain((await home!.allHeaders())['content-encoding']);

  const kinds = [...new Set(assets.map((a) => new URL(a.url).pathname.split('.').pop()))].sort();
  expect(kinds).toEqual(['css', 'js', 'wasm']);
  for (const a of assets) {
    expect(new URL(a.url).pathname).toMatch(/^\/pkg\/[0-9a-f]{16}\/[\w.-]+\.(js|wasm|css)$/);
    expect(a.headers['cache-control']).toContain('immutable');
    expect(a.headers['cache-control']).toContain('max-age=31536000');
    expect(['gzip', 'br']).toContain(a.headers['content-encoding']);
  }
  const firstLoad = bytes;
  expect(firstLoad).toBeGreaterThan(10_000);

  // Another page, of another group of pages: none of the files already fetched comes from the
  // network again (its own group's chunks may).
  const first = new Set(fetched);
  fetched.clear();
  await page.goto('/guides');
  await ready(page, true);
  expect([...fetched].filter((u) => first.has(u)), `fetched again (first load: ${firstLoad} bytes)`).toEqual([]);

  // The first page again: nothing from /pkg at all.
  bytes = 0;
  await page.goto('/');
  await ready(page, true);
  expect(bytes, 'bytes of /pkg fetched for a page already seen').toBe(0);
});

// The WebAssembly is split into groups of pages (issue 18): a person who opens the guides downloads
// the guides' code and the shell, not the queue's; the first page, everything counted as
// Chromium's network log counts it, stays within 400 KB; and the queue's code arrives when an
// analyst goes there, after which the queue works as before.
test('a first page downloads only its own part of the WebAssembly, and the rest comes when needed', async ({ page }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map<string, string>();
  let bytes = 0;
  const wasm = new Set<string>();
  cdp.on('Network.responseReceived', (e: any) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e: any) => {
    const url = urls.get(e.requestId) || 'http://x/';
    bytes += e.encodedDataLength;
    if (new URL(url).pathname.endsWith('.wasm')) wasm.add(new URL(url).pathname);
  });

  await page.goto('/guides');
  await ready(page, true);
  await expect.poll(() => wasm.size).toBeGreaterThan(1);
  expect(bytes, 'bytes of the first page, cold').toBeLessThan(400_000);
  const guidesWasm = new Set(wasm);

  // Signing in and opening the queue in the app (no reload) fetches the queue's chunk.
  await page.getByRole('link', { name: 'Sign in' }).first().click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Work e-mail').fill(people.analyst);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.account-menu summary')).toBeVisible();
  await page.goto('/');
  await ready(page, true);
  wasm.clear();
  await page.getByRole('link', { name: 'Queue', exact: true }).first().click();
  await expect(page).toHaveURL(/\/queue$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Queue');
  const fetchedForQueue = [...wasm].filter((w) => !guidesWasm.has(w));
  expect(fetchedForQueue.length, `chunks fetched for the queue: ${[...wasm]}`).toBeGreaterThan(0);
});
