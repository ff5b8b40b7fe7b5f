import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// With JavaScript the queue refreshes itself when requests change, and keys move through it.
test('the queue shows a new request without a reload, and j/k/x work the list', async ({ browser, page }) => {
  const title = unique('Monitor flickers');
  const token = title.split(' ').pop()!;
  await signIn(page, people.kai, `/queue?q=${token}`);
  await ready(page, true);
  await expect(page.getByText('Nothing here. No request matches these filters.')).toBeVisible();
  await page.evaluate(() => ((window as any).__stillHere = true));

  const member = await (await browser.newContext()).newPage();
  await signIn(member, people.member, '/request/other');
  await ready(member, true);
  await member.getByLabel('Title').fill(title);
  await member.getByLabel('Description').fill('The external monitor flickers every few seconds.');
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = member.url().split('/').pop()!;

  const row = page.getByRole('row', { name: new RegExp(title) });
  await expect(row).toBeVisible({ timeout: 20_000 });
  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);

  // j focuses the first row's link, x selects it.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('j');
  await expect(page.getByRole('link', { name: key, exact: true })).toBeFocused();
  await page.keyboard.press('x');
  await expect(page.getByLabel(`Select ${key}`)).toBeChecked();
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search', { exact: true })).toBeFocused();

  // While rows are ticked the list stays as it is: drawn again, it would put another request
  // under the tick. Unticked, it catches up.
  await member.goto('/request/other');
  await ready(member, true);
  await member.getByLabel('Title').fill(`${title} again`);
  await member.getByLabel('Description').fill('Now the second monitor flickers too.');
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const again = page.getByRole('row', { name: new RegExp(`${title} again`) });
  await page.waitForTimeout(12_000); // two rounds of polling, well past the read cache's second
  await expect(again).toHaveCount(0);
  await expect(page.getByLabel(`Select ${key}`)).toBeChecked();
  await page.getByLabel(`Select ${key}`).uncheck();
  await expect(again).toBeVisible({ timeout: 20_000 });
});
