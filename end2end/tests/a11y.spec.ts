// Accessibility: axe-core (WCAG 2.1 A and AA, and its best practices) finds nothing on a
// representative page of each kind, for each kind of person, on a laptop (1280 px) and a phone
// (390 px), with and without JavaScript; and at 390 px no page scrolls sideways (a wide table
// or tab strip may scroll inside its own box, the page may not).
//
// The pages' CSP (nonces) refuses an injected script, so these contexts bypass it. Without
// JavaScript the page runs no script of its own and its timers never fire, but Playwright's
// evaluate still runs and promise callbacks still do: axe is evaluated directly, its
// `setTimeout(fn, 0)` deferrals run as promise callbacks and its longer timeouts never fire.
import { test, expect, type Browser, type Page } from './fixtures';
import { people, ready, signIn } from './helpers';
import axe from 'axe-core';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const WIDTHS = [1280, 390] as const;

// A 1×1 PNG, as a screenshot would arrive (the demo requests have no files).
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8cfc0f01f000500' +
    '01ff89993d1d0000000049454e44ae426082',
  'hex',
);

const NO_JS_TIMERS = `(() => {
  let n = 0;
  const cancelled = new Set();
  window.setTimeout = (fn, ms, ...args) => {
    const id = ++n;
    if (!(ms > 0)) Promise.resolve().then(() => { if (!cancelled.has(id)) fn(...args); });
    return id;
  };
  window.clearTimeout = (id) => cancelled.add(id);
})()`;

/** axe's violations on the page as it stands, one line per element. */
async function violations(page: Page, javaScriptEnabled: boolean): Promise<string[]> {
  if (javaScriptEnabled) await page.addScriptTag({ content: axe.source });
  else await page.evaluate(`${NO_JS_TIMERS}; ${axe.source}; void 0`);
  return page.evaluate(async (tags) => {
    const result = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.flatMap((v: any) =>
      v.nodes.map(
        (n: any) =>
          `${v.id} (${v.impact}) ${n.target.join(' ')}: ${n.html.slice(0, 160)} — ${String(n.failureSummary).replace(/\s+/g, ' ')}`,
      ),
    );
  }, TAGS);
}

/** What sticks out past the right edge of a 390 px page and is not inside a box that scrolls. */
async function sideways(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = window.innerWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    const out: string[] = [`the page is ${document.documentElement.scrollWidth} px wide`];
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 2 || (r.width === 0 && r.height === 0)) continue;
      const parent = el.parentElement!.getBoundingClientRect();
      if (parent.right > width + 2) continue; // its parent is reported already
      let clipped = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') clipped = true;
      }
      if (clipped) continue;
      const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
      out.push(`<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> ends at ${Math.round(r.right)} px: ${text}`);
    }
    return out;
  });
}

type Person = keyof typeof people | null;

/**
 * Opens a context for `who` (nobody: a visitor), works out the addresses with `addresses`, and
 * checks each page at each width; returns every problem found, so one run lists them all.
 */
async function sweep(
  browser: Browser,
  baseURL: string | undefined,
  javaScriptEnabled: boolean,
  who: Person,
  addresses: (page: Page) => Promise<(string | [string, number])[]>,
): Promise<string[]> {
  // The markup does not depend on the database: on Postgres the phone width alone is checked,
  // which keeps the sweep's share of CI small while every page is still seen on both backends.
  const widths = test.info().project.name.startsWith('postgres') ? [WIDTHS[1]] : WIDTHS;
  const context = await browser.newContext({
    baseURL,
    bypassCSP: true,
    javaScriptEnabled,
    viewport: { width: WIDTHS[0], height: 800 },
  });
  const page = await context.newPage();
  if (who) await signIn(page, people[who]);
  const pages = await addresses(page);
  const problems: string[] = [];
  for (const width of widths) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 800 });
    for (const entry of pages) {
      const [path, status] = typeof entry === 'string' ? [entry, 200] : entry;
      const response = await page.goto(path);
      expect(response?.status(), `${path} as ${who ?? 'a visitor'}`).toBe(status);
      await ready(page, javaScriptEnabled);
      const where = `${who ?? 'visitor'} ${width}px ${path}`;
      problems.push(...(await violations(page, javaScriptEnabled)).map((v) => `${where}: ${v}`));
      if (width < 600) problems.push(...(await sideways(page)).map((s) => `${where}: sideways: ${s}`));
    }
  }
  await context.close();
  return problems;
}

/** The address of the first link on the page matching `href`. */
async function firstLink(page: Page, path: string, href: RegExp): Promise<string> {
  await page.goto(path);
  const all = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  const found = all.find((h) => href.test(h));
  expect(found, `a link matching ${href} on ${path}`).toBeTruthy();
  return found!;
}

test.describe('accessibility', () => {
  test.describe.configure({ timeout: 90_000 });

  test('a visitor’s pages', async ({ browser, baseURL, javaScriptEnabled }) => {
    const js = javaScriptEnabled !== false;
    const problems = await sweep(browser, baseURL, js, null, async (page) => [
      '/',
      '/sign-in',
      '/guides',
      await firstLink(page, '/guides', /^\/guides\/[a-z0-9-]+$/),
      await firstLink(page, '/sign-in', /locked-out/),
      await firstLink(page, '/', /^\/help\/api$/),
      ['/nope', 404],
    ]);
    expect(problems).toEqual([]);
  });

  test('a member’s pages', async ({ browser, baseURL, javaScriptEnabled }) => {
    const js = javaScriptEnabled !== false;
    const problems = await sweep(browser, baseURL, js, 'member', async (page) => {
      // A request of theirs with a screenshot and a log attached.
      await page.goto('/request/software');
      await ready(page, js);
      await page.getByLabel('Title').fill('Zoom crashes when I share my screen');
      await page.getByLabel('Device').fill('MacBook Pro');
      await page.getByLabel('Software', { exact: true }).fill('Zoom 6.2');
      await page.getByLabel('Problem').fill('It quits as soon as I share.');
      await page.getByLabel(/^Attach files/).setInputFiles([
        { name: 'crash.png', mimeType: 'image/png', buffer: PNG },
        { name: 'zoom.log', mimeType: 'text/plain', buffer: Buffer.from('12:01 crash in libav\n') },
      ]);
      if (js) await expect(page.locator('.file-picker .attached-file')).toHaveCount(2);
      await page.getByRole('button', { name: 'Submit request' }).click();
      await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
      const withFiles = new URL(page.url()).pathname;
      // Resolved, with a colleague copied on it: the page then asks how we did and offers
      // reopening, and lists who is copied.
      const key = withFiles.split('/').pop();
      const headers = { 'Sec-Fetch-Site': 'same-origin' };
      const cc = await page.request.post(`/api/v1/requests/${key}/participants`, { data: { person: 'cole@tierdesk.test' }, headers });
      expect(cc.status()).toBe(200);
      const staff = await browser.newContext({ baseURL });
      const analyst = await staff.newPage();
      await signIn(analyst, people.analyst);
      for (const data of [{ to: 'in-progress' }, { to: 'resolved', reply: 'Zoom 6.4 fixes it.' }]) {
        const res = await analyst.request.post(`/api/v1/requests/${key}/transitions`, { data, headers });
        expect(res.status()).toBe(200);
      }
      await staff.close();
      return [
        '/',
        '/request',
        '/request/software',
        '/request/access',
        '/requests',
        withFiles,
        '/approvals',
        '/systems',
        await firstLink(page, '/systems', /^\/systems\/[a-z0-9-]+$/),
        ['/admin/registry', 403],
      ];
    });
    expect(problems).toEqual([]);
  });

  test('a manager’s approvals', async ({ browser, baseURL, javaScriptEnabled }) => {
    const problems = await sweep(browser, baseURL, javaScriptEnabled !== false, 'manager', async () => ['/approvals']);
    expect(problems).toEqual([]);
  });

  test('an analyst’s pages', async ({ browser, baseURL, javaScriptEnabled }) => {
    const problems = await sweep(browser, baseURL, javaScriptEnabled !== false, 'analyst', async (page) => {
      const guide = await firstLink(page, '/guides', /^\/guides\/(?!new$)[a-z0-9-]+$/);
      return [
        '/queue',
        await firstLink(page, '/queue', /^\/requests\/REQ-\d+$/),
        '/queue/macros',
        '/guides/new',
        await firstLink(page, guide, /\/edit$/),
        await firstLink(page, guide, /\/history$/),
        '/issues',
      ];
    });
    expect(problems).toEqual([]);
  });

  test('an engineer’s pages', async ({ browser, baseURL, javaScriptEnabled }) => {
    const problems = await sweep(browser, baseURL, javaScriptEnabled !== false, 'engineer', async (page) => [
      '/issues/board',
      await firstLink(page, '/issues', /^\/issues\/ENG-\d+$/),
      '/issues/new',
    ]);
    expect(problems).toEqual([]);
  });

  test('an admin’s pages', async ({ browser, baseURL, javaScriptEnabled }) => {
    const problems = await sweep(browser, baseURL, javaScriptEnabled !== false, 'admin', async () => [
      '/admin/registry',
      '/admin/role-templates',
      '/admin/coverage',
      '/admin/issue-templates',
      '/admin/rules',
      '/admin/rules?name=Try&trigger=created&conditions=kind%20is%20software&actions=add%20label%20x&try_request=REQ-1',
      '/settings/notifications',
    ]);
    expect(problems).toEqual([]);
  });
});
