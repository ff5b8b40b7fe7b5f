import * as fs from 'fs';
import * as path from 'path';
import { test, expect, type Browser } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

async function as(browser: Browser, email: string, javaScriptEnabled: boolean | undefined, next: string) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await signIn(page, email, next);
  await ready(page, javaScriptEnabled);
  return page;
}

/** What the worker's real SMTP server and webhook receiver took (end2end/start-server.sh). */
function received(baseURL: string, kind: 'email' | 'webhook'): Record<string, any>[] {
  const port = new URL(baseURL).port;
  const file = path.join(__dirname, '..', '..', 'target', 'e2e', `sinks-${port}`, `${kind}.jsonl`);
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

async function askForOkta(browser: Browser, javaScriptEnabled: boolean | undefined, why: string) {
  const member = await as(browser, people.member, javaScriptEnabled, '/request/access');
  await member.getByLabel('System 1').fill('Okta');
  await member.getByLabel('Role 1').fill('Read-only Administrator');
  await member.getByLabel('Why 1').fill(why);
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  return { member, key: member.url().split('/').pop()! };
}

// Issue 17's journey: an admin writes "Okta requests from Finance get label finsys and priority
// high", tries it on an existing request (nothing changes), saves it; a member of Finance files
// such a request; the label and priority appear, named as the rule's doing, and the e-mail and
// the chat notice arrive at the real SMTP server and webhook receiver, each once.
test('an admin’s rule acts on a new request, and tells by e-mail and chat once', async ({ browser, baseURL, javaScriptEnabled }) => {
  const name = unique('Okta from Finance');
  const earlier = await askForOkta(browser, javaScriptEnabled, 'Quarter close');

  const admin = await as(browser, people.admin, javaScriptEnabled, '/admin/rules');
  await expect(admin.locator('h1')).toHaveText('Rules');
  const form = admin.locator('#rule-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('When').selectOption('created');
  await form.getByLabel(/^If/).fill('system is okta\ndepartment is Finance');
  await form.getByLabel(/^Then/).fill('add label finsys\nset priority high\nnotify requester\nnotify channel');
  // A mistake is named on its field and line, and nothing is saved.
  await form.getByLabel('On request').fill('REQ-999999');
  await form.getByRole('button', { name: 'Try on this request' }).click();
  await expect(admin.locator('#rule-try-error')).toContainText('There is no request REQ-999999');
  await ready(admin, javaScriptEnabled);
  const again = admin.locator('#rule-form');
  await again.getByLabel('On request').fill(earlier.key);
  await again.getByRole('button', { name: 'Try on this request' }).click();
  const tried = admin.locator('.try-result');
  await expect(tried).toContainText(`On ${earlier.key}`);
  await expect(tried).toContainText('add label finsys');
  await expect(tried).toContainText('set priority high');
  await expect(tried).toContainText('Nothing was changed.');
  // The form kept what was typed, with and without JavaScript.
  await expect(admin.locator('#rule-form').getByLabel('Name')).toHaveValue(name);
  await ready(admin, javaScriptEnabled);
  await admin.locator('#rule-form').getByRole('button', { name: 'Add rule' }).click();
  await expect(admin.locator('.rule-card', { hasText: name })).toBeVisible();
  // The try changed nothing on the earlier request.
  await earlier.member.reload();
  await expect(earlier.member.locator('.request-head')).not.toContainText('High');

  try {
    const { member, key } = await askForOkta(browser, javaScriptEnabled, 'Month-end reports');
    // The rule acts within a moment of the request being filed.
    await expect(async () => {
      await member.reload();
      await expect(member.locator('main')).toContainText('added the label finsys', { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(member.locator('main')).toContainText(`Rule “${name}”`);
    await expect(member.locator('main')).toContainText('changed the priority from normal to high');

    // One e-mail to the member about it, and one chat notice naming it.
    await expect(async () => {
      const mails = received(baseURL!, 'email').filter((m) => m.data.includes(`[${key}]`) && m.to.includes(people.member));
      expect(mails.length).toBe(1);
      const hooks = received(baseURL!, 'webhook').filter((h) => JSON.parse(h.body).request === key);
      expect(hooks.length).toBe(1);
    }).toPass({ timeout: 15_000 });
    // Still once after the workers had time to send anything twice.
    await new Promise((r) => setTimeout(r, 1500));
    const mails = received(baseURL!, 'email').filter((m) => m.data.includes(`[${key}]`) && m.to.includes(people.member));
    expect(mails.length).toBe(1);
    expect(mails[0].data).toContain('Reply-To: reply+');
    expect(mails[0].data).toContain(`/requests/${key}`);
    const hooks = received(baseURL!, 'webhook').filter((h) => JSON.parse(h.body).request === key);
    expect(hooks.length).toBe(1);
    expect(hooks[0].headers['x-tierdesk-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
  } finally {
    // The rule must not act on the other journeys this worker's server runs next.
    await admin.goto('/admin/rules');
    await ready(admin, javaScriptEnabled);
    await admin.getByRole('button', { name: `Delete ${name}` }).click();
    await expect(admin.locator('.rule-card', { hasText: name })).toHaveCount(0);
  }
});

test('people choose which e-mails they receive', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/settings/notifications');
  await ready(page, javaScriptEnabled);
  const replies = page.getByLabel('Replies on my requests');
  await expect(replies).toBeChecked();
  await replies.uncheck();
  await page.getByRole('button', { name: 'Save choices' }).click();
  if (javaScriptEnabled !== false) await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.goto('/settings/notifications');
  await expect(page.getByLabel('Replies on my requests')).not.toBeChecked();
  await expect(page.getByLabel('Changes of state of my requests')).toBeChecked();
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Replies on my requests').check();
  await page.getByRole('button', { name: 'Save choices' }).click();
  if (javaScriptEnabled !== false) await expect(page.getByRole('status')).toHaveText('Saved.');
  await page.goto('/settings/notifications');
  await expect(page.getByLabel('Replies on my requests')).toBeChecked();
});
