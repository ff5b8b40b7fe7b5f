import { test, expect } from './fixtures';
import { ready } from './helpers';

// The API page: the JSON API's reference, rendered from the same /openapi.json a client reads,
// reachable from every page's footer, usable without signing in and without JavaScript.
test('the API page renders the generated description and links its types', async ({ page, javaScriptEnabled }) => {
  await page.goto('/');
  await page.getByRole('contentinfo').getByRole('link', { name: 'API' }).click();
  await expect(page).toHaveURL(/\/help\/api$/);
  await ready(page, javaScriptEnabled);
  await expect(page.getByRole('heading', { level: 1, name: 'Tierdesk API' })).toBeVisible();
  await expect(page).toHaveTitle(/API · Tierdesk/);

  // One section per part of the API, each operation with its method and path.
  for (const part of ['requests', 'queue', 'tracker', 'guides', 'systems']) {
    await expect(page.getByRole('heading', { level: 2, name: part, exact: true })).toBeVisible();
  }
  const batch = page.locator('article.api-op', { has: page.getByText('/api/v1/queue/batch', { exact: true }) });
  await expect(batch.locator('.api-method')).toHaveText('POST');
  await expect(batch.locator('.api-ok')).toContainText('200 Every request changed, in one transaction');
  // Descriptions' `code` is code, never markup.
  const queue = page.locator('article.api-op', { has: page.getByText('/api/v1/queue', { exact: true }) });
  await expect(queue.getByRole('row', { name: /sort/ }).locator('code', { hasText: 'newest' }).first()).toBeVisible();
  await expect(batch.getByRole('link', { name: 'BatchBody' })).toBeVisible();
  const guides = page.locator('article.api-op', { has: page.getByText('/api/v1/guides', { exact: true }) });
  await expect(guides.getByText('no sign-in needed')).toBeVisible();

  // A type links to its definition, whose fields say what they are.
  await batch.getByRole('link', { name: 'BatchBody' }).click();
  await expect(page).toHaveURL(/#schema-BatchBody$/);
  const schema = page.locator('#schema-BatchBody');
  await expect(schema.getByRole('cell', { name: 'keys required' }).or(schema.getByRole('cell', { name: 'keys' }))).toBeVisible();
  await expect(schema).toContainText('at most 100');

  // The machine-readable description is one click away and is the same document.
  const res = await page.request.get('/openapi.json');
  expect(res.status()).toBe(200);
  const spec = await res.json();
  expect(spec.info.title).toBe('Tierdesk API');
  expect(Object.keys(spec.paths)).toContain('/api/v1/queue/batch');
});
