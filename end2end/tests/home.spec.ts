import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// The front page: the notice an admin publishes reaches everyone, the guide search leads to the
// guides, the most used guides and the person's open requests are one click away.
test('the front page carries the notice, the search and what is open', async ({ page, browser, javaScriptEnabled }) => {
  const context = await browser.newContext({ javaScriptEnabled });
  const admin = await context.newPage();
  await signIn(admin, people.admin, '/');
  await ready(admin, javaScriptEnabled);
  const notice = unique('Okta is slow this morning');
  await admin.getByText('Front page notice (admins)').click();
  await admin.getByLabel('Notice for everyone (empty takes it down)').fill(notice);
  await admin.getByRole('button', { name: 'Publish notice' }).click();
  await expect(admin.locator('.notice-banner')).toContainText(notice);
  await context.close();

  await signIn(page, people.member, '/');
  await ready(page, javaScriptEnabled);
  await expect(page.locator('.notice-banner')).toContainText(notice);
  await expect(page.getByRole('heading', { name: 'Most used guides' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Your open requests' })).toBeVisible();
  await page.getByRole('search', { name: 'Search the guides' }).getByRole('searchbox').fill('password');
  await page.getByRole('search', { name: 'Search the guides' }).getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/guides\?q=password/);
});
