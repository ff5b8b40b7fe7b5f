import { test, expect, type Page } from './fixtures';
import { people, ready, signIn } from './helpers';

/** The number shown beside a view in the sidebar. */
async function count(page: Page, view: string): Promise<number> {
  const text = await page
    .getByRole('navigation', { name: 'Queue views' })
    .getByRole('link', { name: new RegExp(`^${view} \\(`) })
    .locator('.count')
    .textContent();
  return Number(text!.replace(/\D/g, ''));
}

// The analyst's day: open what is at risk, take two requests at once, answer one with a macro,
// and watch the counts follow. The JavaScript and no-JavaScript runs share a server, so each
// works its own kind of request as its own analyst.
test('an analyst takes two at-risk requests and answers one with a macro', async ({ page, javaScriptEnabled }) => {
  const [who, name, kind, kindLabel] = javaScriptEnabled
    ? [people.kai, 'Kai Keeper', 'laptop', 'Laptop']
    : [people.sam, 'Sam Support', 'training', '1:1 training'];
  await signIn(page, who, '/queue');
  await ready(page, javaScriptEnabled);
  const mine = await count(page, 'Mine');
  expect(await count(page, 'At risk')).toBeGreaterThan(0);

  await page.getByRole('navigation', { name: 'Queue views' }).getByRole('link', { name: /^At risk \(/ }).click();
  await expect(page).toHaveURL(/view=at-risk/);
  await ready(page, javaScriptEnabled);
  // Beyond the search and the state, filters are folded away until one is set.
  await expect(page.getByLabel('Kind')).toBeHidden();
  await page.getByText('More filters', { exact: true }).click();
  await page.getByLabel('Kind').selectOption(kind);
  await page.getByLabel('Assignee', { exact: true }).selectOption('none');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(new RegExp(`kind=${kind}`));
  await expect(page.getByText('More filters (2 set)')).toBeVisible();
  await expect(page.getByLabel('Kind')).toHaveValue(kind);
  const rows = page.locator('table.queue tbody tr');
  // Only this kind, unassigned and at risk (waiting out the old list while the new one loads).
  await expect(page.locator('table.queue tbody tr', { hasNotText: kindLabel })).toHaveCount(0);
  await expect(page.locator('table.queue tbody tr', { hasNotText: 'At risk' })).toHaveCount(0);
  await expect(page.locator('table.queue tbody tr', { hasNotText: 'Unassigned' })).toHaveCount(0);
  const before = await rows.count();
  expect(before).toBeGreaterThanOrEqual(2);
  const keys = [
    (await rows.nth(0).locator('a.row-link').textContent())!,
    (await rows.nth(1).locator('a.row-link').textContent())!,
  ];

  // Both at once.
  await page.getByLabel(`Select ${keys[0]}`).check();
  await page.getByLabel(`Select ${keys[1]}`).check();
  await page.getByLabel('Assign to').selectOption('me');
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  if (javaScriptEnabled) {
    await expect(page.getByRole('status')).toHaveText('Changed 2 requests.');
  }
  // Now assigned, they leave the unassigned filter; "Mine" grows by two.
  await expect(rows).toHaveCount(before - 2);
  expect(await count(page, 'Mine')).toBe(mine + 2);
  await page.goto(`/queue?view=mine&kind=${kind}`);
  for (const key of keys) {
    await expect(page.getByRole('row', { name: new RegExp(key) })).toContainText(name);
  }

  // A macro answers the first: the reply is filled in and it now waits on the requester, so its
  // clock stops and it is no longer at risk.
  await page.getByRole('link', { name: keys[0], exact: true }).click();
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Macro').selectOption({ label: 'Need more details' });
  await page.getByRole('button', { name: 'Apply macro' }).click();
  await expect(page.locator('.conversation')).toContainText(`to work on ${keys[0]} we need a little more`);
  await expect(page.locator('.request-head')).toContainText('Waiting on requester');
  await expect(page.locator('.request-side')).toContainText('Paused');

  await page.goto(`/queue?view=at-risk&kind=${kind}&assignee=me`);
  await expect(page.getByRole('row', { name: new RegExp(keys[1]) })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(keys[0]) })).toHaveCount(0);
  expect(await count(page, 'Mine')).toBe(mine + 2);
});

test('a bad filter in the address is named, not a crash', async ({ page }) => {
  await signIn(page, people.analyst, '/queue?sort=random');
  await expect(page.getByRole('alert')).toContainText('Sort by due, newest, oldest or priority');
});

// The service level is the column that matters most: it sits beside the title and is never cut
// off by the table's box; on a phone the queue is cards, the page never scrolls sideways, and
// the first request is not buried under filters.
test('the queue fits a laptop and a phone, service level always in view', async ({ page, javaScriptEnabled }) => {
  for (const width of [1280, 1440]) {
    await page.setViewportSize({ width, height: 900 });
    await signIn(page, people.analyst, '/queue?view=open');
    await ready(page, javaScriptEnabled);
    const fits = await page.evaluate(() => {
      const box = document.querySelector('.table-wrap')!.getBoundingClientRect();
      const due = document.querySelector('table.queue tbody tr td.due')!.getBoundingClientRect();
      return due.right <= box.right + 0.5 && due.left >= box.left;
    });
    expect(fits, `Next due inside the table's box at ${width} px`).toBe(true);
    await page.context().clearCookies();
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, people.analyst, '/queue?view=open');
  await ready(page, javaScriptEnabled);
  const m = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    firstRow: document.querySelector('table.queue tbody tr')!.getBoundingClientRect().top + window.scrollY,
  }));
  expect(m.page, 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);
  expect(m.firstRow, 'the first request within a screen and a bit').toBeLessThan(1000);
  const first = page.locator('table.queue tbody tr').first();
  await expect(first.locator('td.due')).toBeVisible();
  await expect(first.locator('a.row-link')).toBeVisible();
  // The views stay reachable: one row that scrolls on its own.
  await expect(page.getByRole('navigation', { name: 'Queue views' }).getByRole('link', { name: /^All open \(/ })).toBeAttached();
});
