import { test, expect } from './fixtures';
import { people, ready, signIn } from './helpers';

function yearsAgo(n: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - n);
  return d.toISOString().slice(0, 10);
}

// With JavaScript, a form runs the kind's own parser before sending: a mistake is named at its
// field, with the server's wording, and nothing is sent until it is fixed.
test('the browser checks a request with the server’s rules before sending it', async ({ page }) => {
  const sent: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/fn/submit_request')) sent.push(r.url());
  });
  await signIn(page, people.member, '/request/laptop');
  await ready(page, true);

  // A required field left empty.
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.locator('#laptop-error')).toContainText(/.+/);
  await expect(page.getByLabel('What you need')).toBeFocused();
  await expect(page.getByLabel('What you need')).toHaveAttribute('aria-invalid', 'true');

  // A rule that spans fields: a refresh only three years after issue.
  await page.getByLabel('What you need').selectOption('refresh');
  await page.getByLabel('Current laptop issued on').fill(yearsAgo(1));
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.locator('#issued_on-error')).toContainText('can be refreshed from');
  await expect(page.getByLabel('Current laptop issued on')).toBeFocused();
  await expect(page.locator('#laptop-error')).toBeEmpty();
  expect(sent).toEqual([]);

  await page.getByLabel('Current laptop issued on').fill(yearsAgo(4));
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  expect(sent.length).toBe(1);
});
