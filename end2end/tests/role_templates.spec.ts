import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

test('an admin keeps role templates; a bad system is named and nothing is saved', async ({ page, javaScriptEnabled }) => {
  const role = unique('Account Executive');
  await signIn(page, people.admin, '/admin/role-templates');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Department').fill('Sales');
  await page.getByLabel('Job role').fill(role);
  await page.getByRole('textbox', { name: 'Systems' }).fill('Slack = member\nNo Such System = viewer');
  await page.getByRole('button', { name: 'Save template' }).click();
  await expect(page.locator('#systems-error')).toHaveText('There is no system called \u201cNo Such System\u201d in the registry.');
  await expect(page.getByRole('table', { name: 'Role templates' }).getByText(role)).toHaveCount(0);
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Department').fill('Sales');
  await page.getByLabel('Job role').fill(role);
  await page.getByRole('textbox', { name: 'Systems' }).fill('Slack = member\nZoom = licensed');
  await page.getByRole('button', { name: 'Save template' }).click();
  const row = page.getByRole('table', { name: 'Role templates' }).getByRole('row').filter({ hasText: role });
  await expect(row).toContainText('Slack (member), Zoom (licensed)');
});

test('role templates are for admins only', async ({ page }) => {
  await signIn(page, people.analyst, '/admin/role-templates');
  await expect(page.getByRole('table', { name: 'Role templates' })).toHaveCount(0);
  await expect(page.locator('body')).toContainText(/not allowed/i);
});
