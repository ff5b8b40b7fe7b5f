import { test, expect, type Page } from './fixtures';
import { people, ready, signIn } from './helpers';

/** The number shown beside a view in the sidebar. */
async function count(page: Page, view: string): Promise<number> {
  const text = await page
    .getByRole('navigation', { name: 'Queue views' })
    .getByRole('link', { name: new RegExp(`^${view} \\(`) })
    .locator('.count')
    .textContent();
  return Number(text);
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
  await page.getByLabel('Kind').selectOption(kind);
  await page.getByLabel('Assignee', { exact: true }).selectOption('none');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(new RegExp(`kind=${kind}`));
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
