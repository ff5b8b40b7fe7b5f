import { test, expect, type Browser, type Page } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

async function as(browser: Browser, email: string, javaScriptEnabled: boolean | undefined, next = '/') {
  const page = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(page, email, next);
  await ready(page, javaScriptEnabled);
  return page;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** How the app shows a UTC midnight: `9 Dec 2026, 00:00 UTC`. */
function midnight(d: Date) {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, 00:00 UTC`;
}
function addDays(d: Date, n: number) {
  return new Date(d.getTime() + n * 86_400_000);
}
function isoDay(d: Date) {
  return d.toISOString().slice(0, 10);
}

async function closeTask(page: Page, javaScriptEnabled: boolean | undefined, title: string, note = '', reply = '') {
  const task = page.getByRole('listitem', { name: title });
  if (note) await task.getByLabel('Note').fill(note);
  // The last open task carries the resolution reply.
  if (reply) await task.getByLabel('Resolution reply to the requester').fill(reply);
  await task.getByRole('button', { name: 'Close task' }).click();
  await expect(page.getByRole('listitem', { name: title })).toContainText('Done');
  await ready(page, javaScriptEnabled);
}

// Issue 5's journey: access for two people to two systems → the manager narrows one role and
// approves → each system's provisioner closes their task → the grants show on each person's page
// → offboarding one of them lists exactly those systems with the right due times.
test('access for two people and two systems, approved, provisioned, then offboarded', async ({ browser, javaScriptEnabled }) => {
  // Each project has its own colleague, so runs side by side never share what they hold.
  const colleague = javaScriptEnabled === false ? { handle: 'noah', name: 'Noah North' } : { handle: 'cole', name: 'Cole Colleague' };

  // The member asks.
  const member = await as(browser, people.member, javaScriptEnabled, '/request');
  await member.getByRole('link', { name: /Access to systems/ }).click();
  await ready(member, javaScriptEnabled);
  await expect(member.getByLabel('People')).toHaveValue(people.member);
  await member.getByLabel('People').fill(`${people.member}\n@${colleague.handle}`);
  await member.getByLabel('System 1').fill('Slack');
  await member.getByLabel('Role 1').fill('member');
  await member.getByLabel('Why 1').fill('Team chat');
  await member.getByLabel('System 2').fill('Figma');
  await member.getByLabel('Role 2').fill('editor');
  await member.getByLabel('Why 2').fill('Design reviews');
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = member.url().split('/').pop()!;
  await expect(member.locator('.request-head')).toContainText('Awaiting approval');
  await expect(member.getByRole('heading', { level: 1 })).toHaveText(`Access to Slack, Figma for Mia Member, ${colleague.name}`);
  const approvals = member.locator('.steps');
  await expect(approvals).toContainText('Manager · Max Manager');
  await expect(approvals).toContainText('Pending');
  // The requester cannot approve, and sees no buttons for it.
  await expect(member.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  // The manager finds it waiting, narrows Figma to viewer and approves.
  const manager = await as(browser, people.manager, javaScriptEnabled, '/approvals');
  await expect(manager.getByRole('list', { name: 'Waiting for my approval' }).getByRole('link', { name: new RegExp(key) })).toBeVisible();
  await manager.goto(`/requests/${key}`);
  await ready(manager, javaScriptEnabled);
  await expect(manager.getByLabel('Role on Figma')).toHaveValue('editor');
  await manager.getByLabel('Role on Figma').fill('viewer');
  await manager.getByRole('button', { name: 'Approve' }).click();
  await expect(manager.locator('.request-head')).toContainText('In progress');
  await expect(manager.locator('.history')).toContainText('Max Manager narrowed the role on Figma from editor to viewer');
  await expect(manager.locator('.history')).toContainText('Max Manager approved the manager approval');
  await expect(manager.locator('ol.tasks > li')).toHaveCount(2);

  // Each provisioner sees only their own task and closes it.
  const pia = await as(browser, 'pia@tierdesk.test', javaScriptEnabled, '/approvals');
  await expect(pia.getByRole('list', { name: 'My provisioning tasks' }).getByRole('link', { name: new RegExp(key) })).toBeVisible();
  await pia.goto(`/requests/${key}`);
  await ready(pia, javaScriptEnabled);
  await expect(pia.getByRole('listitem', { name: 'Grant viewer on Figma' }).getByRole('button', { name: 'Close task' })).toHaveCount(0);
  await closeTask(pia, javaScriptEnabled, 'Grant member on Slack', 'Added to the workspace');
  await expect(pia.locator('.request-head')).toContainText('In progress');

  const jo = await as(browser, 'jburton@tierdesk.test', javaScriptEnabled, `/requests/${key}`);
  await closeTask(jo, javaScriptEnabled, 'Grant viewer on Figma', '', 'Figma is yours: viewer for both of you.');
  await expect(jo.locator('.request-head')).toContainText('Resolved');
  await expect(jo.locator('.conversation')).toContainText('Figma is yours: viewer for both of you.');

  // The grants are on each person's page.
  await member.goto('/people/member');
  const held = member.getByRole('table', { name: 'Access held' });
  await expect(held.getByRole('row').filter({ hasText: 'Slack' }).filter({ hasText: 'member' }).first()).toBeVisible();
  await expect(held.getByRole('row').filter({ hasText: 'Figma' }).filter({ hasText: 'viewer' }).first()).toBeVisible();
  await manager.goto(`/people/${colleague.handle}`);
  const theirs = manager.getByRole('table', { name: 'Access held' });
  await expect(theirs.getByRole('row').filter({ hasText: 'Slack' }).filter({ hasText: 'Pia Provisioner' })).toHaveCount(1);
  await expect(theirs.getByRole('row').filter({ hasText: 'Figma' }).filter({ hasText: 'Jo Burton' })).toHaveCount(1);
  // Someone else's page is not the member's business.
  await member.goto(`/people/${colleague.handle}`);
  await expect(member.getByRole('heading', { level: 1 })).not.toHaveText(colleague.name);

  // Offboarding the colleague lists exactly those two systems with their due times: Slack is
  // critical (tier 2): 24 hours after the last day; Figma: 5 business days.
  let lastDay = addDays(new Date(`${isoDay(new Date())}T00:00:00Z`), 7);
  while (lastDay.getUTCDay() !== 1) lastDay = addDays(lastDay, 1); // a Monday
  await manager.goto('/request/offboarding');
  await ready(manager, javaScriptEnabled);
  await manager.getByLabel('Person leaving').fill(`@${colleague.handle}`);
  await manager.getByLabel('Last working day').fill(isoDay(lastDay));
  await manager.getByRole('button', { name: 'Submit request' }).click();
  await expect(manager).toHaveURL(/\/requests\/REQ-\d+$/);
  await expect(manager.getByRole('heading', { level: 1 })).toHaveText(`Offboarding ${colleague.name}`);
  const tasks = manager.locator('ol.tasks > li');
  await expect(tasks).toHaveCount(2);
  const slack = manager.getByRole('listitem', { name: `Remove ${colleague.name}'s access to Slack` });
  const figma = manager.getByRole('listitem', { name: `Remove ${colleague.name}'s access to Figma` });
  await expect(slack).toContainText(`Due ${midnight(addDays(lastDay, 2))}`);
  await expect(figma).toContainText(`Due ${midnight(addDays(lastDay, 9))}`);

  // An analyst works the leaver's tasks; what they held moves to "Removed access".
  const analyst = await as(browser, people.analyst, javaScriptEnabled, manager.url().replace(/^https?:\/\/[^/]+/, ''));
  await closeTask(analyst, javaScriptEnabled, `Remove ${colleague.name}'s access to Slack`);
  // Closed without a word to the requester, the request waits for its resolution reply.
  await closeTask(analyst, javaScriptEnabled, `Remove ${colleague.name}'s access to Figma`);
  await expect(analyst.locator('.request-head')).toContainText('In progress');
  await expect(analyst.getByText('Every task is closed. Write the resolution reply to resolve it.')).toBeVisible();
  const resolve = analyst.locator('.resolve-form');
  await resolve.getByRole('button', { name: 'Resolve' }).click();
  await expect(resolve.getByText('Please enter the resolution reply')).toBeVisible();
  await ready(analyst, javaScriptEnabled);
  await analyst.locator('.resolve-form').getByLabel('Resolution reply to the requester').fill('Access removed from Slack and Figma.');
  await analyst.locator('.resolve-form').getByRole('button', { name: 'Resolve' }).click();
  await expect(analyst.locator('.request-head')).toContainText('Resolved');
  await analyst.goto(`/people/${colleague.handle}`);
  await expect(analyst.getByText('No access recorded here.')).toBeVisible();
  await expect(analyst.getByRole('table', { name: 'Removed access' })).toContainText('Slack');
});

test('an unmanaged system is named with its owner and channel, and nothing is saved', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/access');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('System 1').fill('Adaptive Insights');
  await page.getByLabel('Role 1').fill('viewer');
  await page.getByLabel('Why 1').fill('Forecasts');
  if (javaScriptEnabled !== false) {
    // Named as soon as it is chosen.
    await expect(page.locator('#system_0-system')).toContainText('does not manage Adaptive Insights');
  }
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.locator('#system_0-error')).toHaveText(
    'The helpdesk does not manage Adaptive Insights: ask Finance Planning and Analysis in #finance.',
  );
  await expect(page).toHaveURL(/\/request\/access/);
});

test('only the approver decides, and a denial needs a reason', async ({ browser, javaScriptEnabled }) => {
  const member = await as(browser, people.member, javaScriptEnabled, '/request/access');
  await member.getByLabel('System 1').fill('Zoom');
  await member.getByLabel('Role 1').fill('licensed');
  await member.getByLabel('Why 1').fill('Webinars');
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = member.url().split('/').pop()!;

  // The analyst can see it but is not the approver.
  const analyst = await as(browser, people.analyst, javaScriptEnabled, `/requests/${key}`);
  await expect(analyst.getByRole('button', { name: 'Approve' })).toHaveCount(0);

  const manager = await as(browser, people.manager, javaScriptEnabled, `/requests/${key}`);
  await manager.getByRole('button', { name: 'Deny' }).click();
  await expect(manager.getByText('Give a reason for the denial; the requester sees it.')).toBeVisible();
  await manager.getByLabel('Reason for denying').fill('Use the shared webinar account.');
  await manager.getByRole('button', { name: 'Deny' }).click();
  await expect(manager.locator('.request-head')).toContainText('Denied');
  await member.reload();
  await expect(member.locator('.steps')).toContainText('Use the shared webinar account.');
});

// The sign-in-free lockout form: the same answer for any address; the analyst must record an
// identity check before the unlock task can close.
test('a lockout reported without signing in is worked after an identity check', async ({ browser, page, javaScriptEnabled }) => {
  const system = unique('VPN gateway');
  for (const email of ['nobody-here@tierdesk.test', people.member]) {
    await page.goto('/help/locked-out');
    await ready(page, javaScriptEnabled);
    await page.getByLabel('Work e-mail').fill(email);
    await page.getByLabel('What you are locked out of').fill(system);
    await page.getByLabel('What happens when you try').fill('It says my account is locked.');
    await page.getByRole('button', { name: 'Send to the helpdesk' }).click();
    await expect(page.getByRole('status')).toHaveText(
      'Thank you. If this address belongs to an account here, the helpdesk has your report. An analyst will confirm who you are on a video call or with your manager before unlocking anything.',
    );
  }

  const analyst = await as(browser, people.analyst, javaScriptEnabled, '/queue');
  await analyst.goto(`/queue?q=${encodeURIComponent(system.split(' ').pop()!)}`);
  await analyst.getByRole('row', { name: new RegExp(`Locked out of ${system}`) }).getByRole('link').first().click();
  await ready(analyst, javaScriptEnabled);
  const unlock = `Unlock ${system} for Mia Member`;
  await expect(analyst.getByRole('listitem', { name: unlock })).toContainText('Waiting for the identity check');
  await analyst.getByRole('listitem', { name: unlock }).getByRole('button', { name: 'Close task' }).click();
  await expect(analyst.getByText('Record the identity check before closing the reset.')).toBeVisible();
  await ready(analyst, javaScriptEnabled);
  await analyst.getByLabel('How you checked').selectOption('video-call');
  await analyst.getByLabel('What you checked').fill('Mia showed her badge on a video call.');
  await analyst.getByRole('button', { name: 'Record identity check' }).click();
  await expect(analyst.locator('.checks')).toContainText('video call');
  await ready(analyst, javaScriptEnabled);
  await analyst.getByRole('listitem', { name: unlock }).getByLabel('Resolution reply to the requester').fill('Unlocked; sign in again.');
  await analyst.getByRole('listitem', { name: unlock }).getByRole('button', { name: 'Close task' }).click();
  await expect(analyst.locator('.request-head')).toContainText('Resolved');
});
