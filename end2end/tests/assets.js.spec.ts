import { test, expect } from './fixtures';
import { ready } from './helpers';

// The browser half is fetched once: content-hashed names, compressed, kept for a year, so a
// later page load fetches none of it again (issue 18).
test('the script, WebAssembly and stylesheet are hashed, compressed and cached', async ({ page }) => {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map<string, string>();
  let bytes = 0;
  cdp.on('Network.responseReceived', (e: any) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e: any) => {
    if (new URL(urls.get(e.requestId) || 'http://x/').pathname.startsWith('/pkg/')) {
      bytes += e.encodedDataLength;
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
    expect(new URL(a.url).pathname).toMatch(/^\/pkg\/tierdesk\.[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/);
    expect(a.headers['cache-control']).toContain('immutable');
    expect(a.headers['cache-control']).toContain('max-age=31536000');
    expect(['gzip', 'br']).toContain(a.headers['content-encoding']);
  }
  const firstLoad = bytes;
  expect(firstLoad).toBeGreaterThan(10_000);

  // Another page: the same three files, none of them from the network.
  bytes = 0;
  await page.goto('/guides');
  await ready(page, true);
  expect(bytes, `bytes of /pkg fetched again (first load: ${firstLoad})`).toBe(0);
});
