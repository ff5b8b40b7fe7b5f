import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// The catalog has a search, and a form for new software or a licence (not the breakage form):
// it goes to the requester's manager for approval before IT buys or installs it.
test('the catalog finds the software request, which asks the manager first', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request');
  await ready(page, javaScriptEnabled);
  const search = page.getByRole('searchbox', { name: 'Search the catalog' });
  await search.fill('license');
  if (!javaScriptEnabled) await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('link', { name: /New software or a licence/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Laptop/ })).toBeHidden();

  await search.fill('rocket science');
  if (!javaScriptEnabled) await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByRole('status')).toContainText('Nothing in the catalog matches “rocket science”');
  await expect(page.getByRole('link', { name: 'search the guides' })).toHaveAttribute('href', /\/guides\?q=rocket%20science/);

  await page.goto('/request/software-request');
  await ready(page, javaScriptEnabled);
  const software = unique('Figma Professional');
  await page.getByLabel('Software', { exact: true }).fill(software);
  await page.getByLabel('What you need', { exact: true }).selectOption('licence');
  await page.getByLabel('What you need it for').fill('Design reviews with the product team.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Licence: ${software}`);
  await expect(page.locator('.badges')).toContainText('Awaiting approval');
});
