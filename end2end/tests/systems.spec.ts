import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

test('"who owns okta?": the header search offers the system, which names its owner and channel', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/');
  await ready(page, javaScriptEnabled);
  await page.getByRole('search').first().getByRole('searchbox', { name: 'Search guides and systems' }).fill('who owns okta');
  await page.keyboard.press('Enter');
  const systems = page.getByRole('region', { name: 'Systems' });
  await systems.getByRole('link', { name: 'Okta', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Okta' })).toBeVisible();
  const owner = page.getByRole('region', { name: 'Who owns it' });
  await expect(owner.getByText('IT Ops')).toBeVisible();
  await expect(owner.getByText('#it_help')).toBeVisible();
  await page.getByRole('link', { name: 'Request access' }).click();
  // The access form, with Okta chosen on its first line.
  await expect(page.getByRole('heading', { level: 1, name: 'Access to systems' })).toBeVisible();
  await expect(page.getByLabel('System 1')).toHaveValue('Okta');
});

test('a system the helpdesk does not manage points to its owner instead of a request', async ({ page }) => {
  await signIn(page, people.contractor, '/systems/adp');
  await expect(page.getByText('The helpdesk does not manage this system.')).toBeVisible();
  await expect(page.getByText('Ask its owner: Finance in #finance.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Request access' })).toHaveCount(0);
});

test('filters narrow the registry and keep their values', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/systems');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Data').selectOption('red');
  await page.getByLabel('Tier').selectOption('1');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/classification=red/);
  await expect(page.getByLabel('Data')).toHaveValue('red');
  const rows = page.locator('table.systems tbody tr');
  await expect(rows.first()).toBeVisible();
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    await expect(rows.nth(i).locator('.badge.data-red')).toBeVisible();
    await expect(rows.nth(i).getByText('Tier 1')).toBeVisible();
  }
});

test('an admin edits a system and the change shows in its history', async ({ page, javaScriptEnabled }) => {
  // Each project edits its own system: the two projects of a backend share one server.
  const slug = javaScriptEnabled === false ? 'zoom' : 'slack';
  const channel = '#' + unique('help').replace(/\s+/g, '-');
  await signIn(page, people.admin, `/systems/${slug}`);
  await ready(page, javaScriptEnabled);
  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /^Edit / })).toBeVisible();
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Owner channel').fill(channel);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText('Saved. The change is in the history below.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Who owns it' }).getByText(channel)).toBeVisible();
  const history = page.getByRole('region', { name: 'History' });
  await expect(history.getByText('Edited by Ada Admin').first()).toBeVisible();
  await expect(history.locator('ins', { hasText: channel })).toBeVisible();

  // Members see the new channel but no edit link and no history; the edit page refuses them.
  const member = await (await page.context().browser()!.newContext({ javaScriptEnabled })).newPage();
  await signIn(member, people.member, `/systems/${slug}`);
  await expect(member.getByRole('region', { name: 'Who owns it' }).getByText(channel)).toBeVisible();
  await expect(member.getByRole('link', { name: 'Edit' })).toHaveCount(0);
  await expect(member.getByRole('region', { name: 'History' })).toHaveCount(0);
  const res = await member.goto(`/systems/${slug}/edit`);
  expect(res?.status()).toBe(403);
});
