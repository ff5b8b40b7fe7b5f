import { test, expect } from './fixtures';
import { people, ready, signIn } from './helpers';

// Deflection: guides that may answer the request appear beside the form.
test('a member gets guide suggestions for a request title', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/software');
  await ready(page, javaScriptEnabled);
  const suggestions = page.getByRole('complementary', { name: 'Guides that may help' });
  await page.getByLabel('Title').fill('I forgot my password');
  if (!javaScriptEnabled) {
    await page.getByRole('button', { name: 'Check guides first' }).click();
    await expect(page.getByLabel('Title')).toHaveValue('I forgot my password');
  }
  await expect(suggestions.getByRole('link', { name: /Reset your password/ })).toBeVisible();
  await suggestions.getByRole('listitem').filter({ hasText: /Reset your password/ }).getByRole('button', { name: 'This solved it' }).click();
  await expect(page).toHaveURL(/\/guides\/reset-your-password\?solved=1$/);
  await expect(page.getByText('Glad this guide solved it')).toBeVisible();
});
