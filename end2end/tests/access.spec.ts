import { test, expect } from './fixtures';
import { PASSWORD, people, signIn, unique } from './helpers';

test('visitors are sent to sign in and come back afterwards', async ({ page }) => {
  await page.goto('/requests');
  await expect(page).toHaveURL(/\/sign-in\?next=\/requests$/);
  // An address with no account: the answer must be the same as for a wrong password.
  await page.getByLabel('Work e-mail').fill('nobody@tierdesk.test');
  await page.getByLabel('Password').fill('wrong password, surely');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#password-error')).toHaveText('That e-mail and password do not match.');

  await page.getByLabel('Work e-mail').fill(people.member);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/requests$/);
  await expect(page.getByRole('heading', { level: 1, name: 'My requests' })).toBeVisible();
});

test("a member opening someone else's request gets a 404 page", async ({ browser, javaScriptEnabled }) => {
  const title = unique('Printer driver');
  const owner = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(owner, people.member, '/request/other');
  await owner.getByLabel('Title').fill(title);
  await owner.getByLabel('Description').fill('The driver will not install.');
  await owner.getByRole('button', { name: 'Submit request' }).click();
  await expect(owner).toHaveURL(/\/requests\/REQ-\d+$/);
  const path = new URL(owner.url()).pathname;

  const other = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(other, people.contractor);
  const response = await other.goto(path);
  expect(response?.status()).toBe(404);
  await expect(other.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(other.locator('body')).not.toContainText(title);
});

test('members do not see the queue', async ({ page }) => {
  await signIn(page, people.member);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queue' })).toHaveCount(0);
  const response = await page.goto('/queue');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('alert')).toContainText('not allowed');
});
