import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

test('a visitor searches from the header and reads a public guide', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('search').first().getByRole('searchbox', { name: 'Search guides' }).fill('resetting password');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/guides\?q=resetting\+password/);
  const results = page.getByRole('list', { name: 'Search results' });
  await expect(results.locator('mark').first()).toBeVisible();
  await results.getByRole('link', { name: /Reset your password/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: /Reset your password/ })).toBeVisible();
  await expect(page.getByText('Last reviewed')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Was this helpful?' })).toBeVisible();
  await page.getByRole('button', { name: 'Yes' }).click();
  await expect(page.getByText('Thank you for the feedback.')).toBeVisible();
});

test('punctuation and operators in a search answer calmly', async ({ page }) => {
  await page.goto('/guides?q=%22*%3A-NEAR');
  await expect(page.getByRole('heading', { level: 1, name: 'Guides' })).toBeVisible();
  await expect(page.getByText(/No guide matches/)).toBeVisible();
});

test('contractors and visitors cannot reach a runbook, analysts can', async ({ browser, javaScriptEnabled }) => {
  const analyst = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(analyst, people.analyst, '/guides');
  const runbook = analyst.locator('.guide-list li', { has: analyst.locator('.badge-internal') }).first().getByRole('link');
  const href = await runbook.getAttribute('href');
  expect(href).toMatch(/^\/guides\//);
  await runbook.click();
  await expect(analyst.getByText('Runbook · staff only')).toBeVisible();

  const contractor = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(contractor, people.contractor, '/guides');
  await expect(contractor.locator('.badge-internal')).toHaveCount(0);
  const response = await contractor.goto(href!);
  expect(response?.status()).toBe(404);
  await expect(contractor.getByRole('heading', { name: 'Page not found' })).toBeVisible();

  const visitor = await (await browser.newContext({ javaScriptEnabled })).newPage();
  expect((await visitor.goto(href!))?.status()).toBe(404);
});

test('an analyst writes and edits a guide and sees the diff', async ({ page, javaScriptEnabled }) => {
  const title = unique('Printer setup');
  await signIn(page, people.analyst, '/guides');
  await page.getByRole('link', { name: 'New guide' }).click();
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Category').selectOption('tech-support');
  await page.getByLabel('Text (Markdown)').fill('## Steps\n\nOpen **Settings**.\n');
  if (javaScriptEnabled) {
    await expect(page.locator('.preview strong')).toHaveText('Settings');
  } else {
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.locator('.preview strong')).toHaveText('Settings');
    await expect(page.getByLabel('Title')).toHaveValue(title);
  }
  await page.getByRole('button', { name: 'Save guide' }).click();
  await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();

  await page.getByRole('link', { name: 'Edit' }).click();
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Text (Markdown)').fill('## Steps\n\nOpen **Settings**, then Printers.\n');
  await page.getByLabel('What changed (optional)').fill('mention printers');
  await page.getByRole('button', { name: 'Save guide' }).click();
  await expect(page.locator('.prose').first()).toContainText('then Printers');

  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('cell', { name: 'mention printers' })).toBeVisible();
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page.locator('.diff-add')).toContainText('then Printers');
  await expect(page.locator('.diff-del')).toContainText('Open **Settings**.');
});
