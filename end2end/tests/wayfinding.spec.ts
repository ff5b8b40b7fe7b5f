import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// "Waiting for me" is in the navigation, with its count, for someone something waits for, and an
// approver decides right from the list. The request page's crumbs say whose list a request is on,
// and "My requests" is not highlighted on someone else's request.
test('an approver sees the count and approves from the list', async ({ page, browser, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/software-request');
  await ready(page, javaScriptEnabled);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: /^Waiting for me/ })).toHaveCount(0);
  const software = unique('Sketch');
  await page.getByLabel('Software', { exact: true }).fill(software);
  await page.getByLabel('What you need', { exact: true }).selectOption('install');
  await page.getByLabel('What you need it for').fill('Wireframes.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = page.url().split('/').pop()!;
  await expect(page.locator('.crumbs').getByRole('link', { name: 'My requests' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'My requests' })).not.toHaveAttribute('aria-current', 'page');

  const context = await browser.newContext({ javaScriptEnabled });
  const manager = await context.newPage();
  await signIn(manager, people.manager, '/approvals');
  await ready(manager, javaScriptEnabled);
  const waiting = manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Waiting for me\s*\(\s*\d+\s*\)$/ });
  await expect(waiting).toBeVisible();
  const before = Number((await waiting.textContent())!.replace(/\D/g, ''));
  const list = manager.getByRole('list', { name: 'Waiting for my approval' });
  await expect(list.getByRole('link', { name: new RegExp(software) })).toBeVisible();
  await list.getByRole('button', { name: `Approve ${key}: Install: ${software}` }).click();
  await expect(list.getByRole('link', { name: new RegExp(software) })).toHaveCount(0);

  await manager.goto(`/requests/${key}`);
  await ready(manager, javaScriptEnabled);
  await expect(manager.locator('.crumbs').getByRole('link', { name: 'Waiting for me' })).toBeVisible();
  const after = manager.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Waiting for me/ });
  if (before > 1) await expect(after).toHaveText(new RegExp(`\\(${before - 1}\\)`));
  else await expect(after).toHaveCount(0);
  await expect(manager.locator('.badges')).not.toContainText('Awaiting approval');
  await context.close();
});

// My requests shows open ones by default, finished ones on request, and finds by title or key.
test('my requests filter and search', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/other');
  await ready(page, javaScriptEnabled);
  const title = unique('Desk lamp');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill('It flickers.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = page.url().split('/').pop()!;

  await page.goto('/requests');
  await ready(page, javaScriptEnabled);
  const list = page.getByRole('list', { name: 'My requests' });
  await expect(list.getByRole('link', { name: new RegExp(title) })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill(key);
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(new RegExp(`q=${key}`));
  await expect(list.getByRole('link')).toHaveCount(1);
  await page.getByLabel('Show').selectOption('closed');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('.empty')).toContainText('None of your requests matches this search.');
  await page.getByRole('searchbox', { name: 'Search', exact: true }).fill('');
  await page.getByLabel('Show').selectOption('all');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(list.getByRole('link', { name: new RegExp(title) })).toBeVisible();
});

// A batch change with nothing selected says so instead of doing nothing.
test('a batch move with nothing selected says so', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.analyst, '/queue');
  await ready(page, javaScriptEnabled);
  await page.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Select at least one request.' })).toBeVisible();
});
