import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// With JavaScript the app hydrates and forms work without full page loads.
test('submitting a request and replying happen without a page reload', async ({ page }) => {
  await signIn(page, people.member, '/request/other');
  await ready(page, true);
  await page.evaluate(() => ((window as any).__stillHere = true));

  const title = unique('Slack notifications');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill('No notifications since Monday.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  await page.getByLabel('Reply', { exact: true }).fill('Also on my phone.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.locator('.conversation')).toContainText('Also on my phone.');
  await expect(page.getByLabel('Reply', { exact: true })).toHaveValue('');

  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
});
