import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

const yaml = (title: string, channel: string) => Buffer.from(
  `- title: ${title}\n  description: A tool the browser tests import.\n  group_owner: IT Ops\n` +
  `  group_owner_slack_channel: '${channel}'\n  provisioner: '@analyst'\n  critical_systems_tier: TIer 2 / Support\n` +
  `  data_classification: Yellow\n  a_field_from_a_newer_file: kept\n`);

test('an admin previews, then imports, a registry file from the admin page', async ({ page, javaScriptEnabled }) => {
  const title = unique('E2E Tool');
  await signIn(page, people.admin, '/systems');
  await ready(page, javaScriptEnabled);
  await page.getByRole('link', { name: 'Import registry' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import the tech-stack registry' })).toBeVisible();

  await page.getByLabel(/Tech-stack file/).setInputFiles({ name: 'tools.yml', mimeType: 'text/yaml', buffer: yaml(title, '#e2e') });
  await page.getByRole('button', { name: 'Preview' }).click();
  const report = page.getByRole('status').filter({ hasText: 'Preview: nothing was saved' });
  await expect(report).toBeVisible();
  await expect(report.getByText('1 added, 0 changed')).toBeVisible();
  await expect(report.getByText(title)).toBeVisible();

  await page.getByLabel(/Tech-stack file/).setInputFiles({ name: 'tools.yml', mimeType: 'text/yaml', buffer: yaml(title, '#e2e') });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Imported' })).toBeVisible();

  await page.goto(`/systems?q=${encodeURIComponent(title)}`);
  await page.getByRole('link', { name: title }).click();
  await expect(page.getByRole('region', { name: 'Who owns it' }).getByText('#e2e')).toBeVisible();
  await expect(page.getByText('Tier 2', { exact: true })).toBeVisible();
  await page.getByText('Every field as recorded').click();
  await expect(page.locator('.all-fields').getByText('a_field_from_a_newer_file')).toBeVisible();
});

test('a broken registry file is refused with the line, and nothing is imported', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.admin, '/admin/registry');
  await ready(page, javaScriptEnabled);
  await page.getByLabel(/Tech-stack file/).setInputFiles({ name: 'broken.yml', mimeType: 'text/yaml', buffer: Buffer.from('- title: A\n  notes: [unclosed\n') });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Nothing was imported' })).toBeVisible();
  await expect(page.getByText(/not valid YAML at line 3/)).toBeVisible();
});

test('only admins reach the import page', async ({ page }) => {
  await signIn(page, people.analyst, '/systems');
  await expect(page.getByRole('link', { name: 'Import registry' })).toHaveCount(0);
  const res = await page.goto('/admin/registry');
  expect(res?.status()).toBe(403);
});
