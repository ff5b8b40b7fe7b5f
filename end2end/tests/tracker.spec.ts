import { test, expect, allowConsoleError, type Page } from './fixtures';
import type { Locator } from '@playwright/test';
import { people, ready, signIn, unique } from './helpers';

const engineer = 'engineer@tierdesk.test';

/** Drags `from` onto `to` with the mouse, as a person does (HTML drag and drop), dropping near
 *  the column's left edge, which is on screen even where the board scrolls sideways. */
async function drag(page: Page, from: Locator, to: Locator) {
  await from.scrollIntoViewIfNeeded();
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + 20);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 10, a.y + 30, { steps: 5 });
  await page.mouse.move(b.x + 30, b.y + 40, { steps: 10 });
  await page.mouse.move(b.x + 35, b.y + 45, { steps: 3 });
  await page.mouse.up();
}

// Issue 16's Tier 3 journey: an analyst escalates a Slack request with the "corpsys" template,
// Slack's owners (the IT Operations group) are assigned, an engineer moves the issue to work and
// closes it, the analyst is told and resolves the request, and the requester follows the
// progress without ever seeing the issue's discussion.
test('escalate a Slack request to engineering and back', async ({ browser, javaScriptEnabled }) => {
  const title = unique('Slack notifications never arrive');
  const contextFor = async (email: string, next: string) => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await signIn(page, email, next);
    await ready(page, javaScriptEnabled);
    return page;
  };
  const member = await contextFor(people.member, '/request/other');
  await member.getByLabel('Title').fill(title);
  await member.getByLabel('Description').fill('Since Monday, on the desktop app.');
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = member.url().split('/').pop()!;
  // Requesters never see the escalation form.
  await expect(member.getByText('Escalate to engineering')).toHaveCount(0);

  const analyst = await contextFor(people.analyst, `/requests/${key}`);
  await analyst.getByRole('button', { name: 'Claim' }).click();
  await expect(analyst.locator('.request-head')).toContainText('In progress');
  await ready(analyst, javaScriptEnabled);
  await analyst.locator('details.escalate summary').click();
  const form = analyst.locator('details.escalate');
  await form.getByLabel('Template').selectOption({ label: 'corpsys' });
  // A system the registry does not know is named, and nothing opens.
  await form.getByLabel('System').fill('Slackk');
  await form.getByRole('button', { name: 'Escalate to engineering' }).click();
  await expect(analyst.getByText('There is no system called “Slackk” in the registry')).toBeVisible();
  await ready(analyst, javaScriptEnabled);
  const again = analyst.locator('details.escalate');
  // A refused escalation keeps its form open, with and without JavaScript.
  await expect(again).toHaveAttribute('open', '');
  await again.getByLabel('Template').selectOption({ label: 'corpsys' });
  await again.getByLabel('System').fill('Slack');
  await again.getByLabel('What engineering needs to know (Markdown)').fill('Reinstalled the app; **push tokens** look stale.');
  await again.getByRole('button', { name: 'Escalate to engineering' }).click();
  await expect(analyst).toHaveURL(/\/issues\/ENG-\d+$/);
  const issue = analyst.url().split('/').pop()!;
  await expect(analyst.locator('h1')).toHaveText(title);
  await expect(analyst.getByText('no same-day promise')).toBeVisible();
  const facts = analyst.getByRole('region', { name: 'Details' });
  await expect(facts.locator('.labels')).toContainText('corpsys-slack');
  await expect(facts.locator('.labels')).toContainText('corpsec-team-it');
  await expect(facts.locator('.assignees')).toContainText('IT Operations');
  await expect(facts.locator('.assignees')).toContainText('Eli Engineer');
  await expect(facts).toContainText(key);
  await expect(analyst.locator('.prose strong')).toHaveText('push tokens');
  await expect(analyst.getByRole('region', { name: 'Description' })).toContainText('What the helpdesk tried');
  // Analysts comment, but the state is the engineers'.
  await ready(analyst, javaScriptEnabled);
  await analyst.getByLabel('Comment', { exact: true }).fill('User is on macOS 15.1.');
  await analyst.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(analyst.locator('.conversation')).toContainText('macOS 15.1');
  await expect(analyst.getByLabel('Move to')).toHaveCount(0);

  // The requester sees engineers are on it, and nothing of the issue's own discussion.
  await member.goto(`/requests/${key}`);
  const engineering = member.getByRole('region', { name: 'Engineering' });
  await expect(engineering).toContainText('Part of this is with our engineers');
  await expect(engineering).toContainText('Inbox');
  await expect(member.locator('body')).not.toContainText('push tokens');
  await expect(member.locator('body')).not.toContainText('macOS 15.1');
  await expect(member.locator(`a[href="/issues/${issue}"]`)).toHaveCount(0);

  // The engineer takes it from the board: dragging with JavaScript, the card's form without.
  const eng = await contextFor(engineer, `/issues/board?q=${issue}`);
  const card = eng.locator(`.issue-card[data-key="${issue}"]`);
  await expect(card).toBeVisible();
  if (javaScriptEnabled) {
    // Not every drop is allowed: nothing is blocked before work starts.
    await drag(eng, card, eng.locator('.board-column[data-state="blocked"]'));
    await expect(eng.getByText(`${issue}: An issue that is inbox cannot be moved to blocked.`)).toBeVisible();
    await drag(eng, card, eng.locator('.board-column[data-state="wip"]'));
  } else {
    await card.getByLabel(`Move ${issue} to`).selectOption({ label: 'In progress' });
    await card.getByRole('button', { name: 'Move' }).click();
  }
  await expect(eng.locator(`.board-column[data-state="wip"] .issue-card[data-key="${issue}"]`)).toBeVisible();

  await eng.goto(`/issues/${issue}`);
  await ready(eng, javaScriptEnabled);
  await eng.getByLabel('Comment', { exact: true }).fill('Rotated the push certificate.');
  await eng.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(eng.locator('.conversation')).toContainText('Rotated the push certificate.');
  for (const to of ['In review', 'Closed']) {
    await ready(eng, javaScriptEnabled);
    await eng.getByLabel('Move to').selectOption({ label: to });
    await eng.getByRole('button', { name: 'Move', exact: true }).click();
    await expect(eng.locator('.request-head .badge').first()).toHaveText(to);
  }
  await expect(eng.getByRole('region', { name: 'History' })).toContainText('moved it from in review to closed');

  // The analyst is told: the request is back with them, to resolve.
  await analyst.goto('/approvals');
  const back = analyst.getByRole('region', { name: 'Back from engineering' });
  await expect(back).toContainText(title);
  await expect(back).toContainText(`${issue} closed`);
  await back.getByRole('link', { name: new RegExp(key) }).first().click();
  await expect(analyst).toHaveURL(new RegExp(`/requests/${key}$`));
  await ready(analyst, javaScriptEnabled);
  await analyst.locator('.resolve-form').getByLabel('Resolution reply to the requester').fill('Engineering renewed the push certificate; notifications work again.');
  await analyst.locator('.resolve-form').getByRole('button', { name: 'Resolve' }).click();
  await expect(analyst.locator('.request-head')).toContainText('Resolved');

  // The requester sees the progress, and the reply, and still nothing internal.
  await member.goto(`/requests/${key}`);
  await expect(member.getByRole('region', { name: 'Engineering' })).toContainText('Our engineers have finished their part.');
  await expect(member.locator('.conversation')).toContainText('notifications work again');
  await expect(member.getByRole('region', { name: 'History' })).toContainText(`escalated it to engineering (${issue})`);
  await expect(member.locator('body')).not.toContainText('Rotated the push certificate');
});

test('admins keep the issue templates; the tracker is closed to requesters', async ({ browser, javaScriptEnabled }) => {
  const context = await browser.newContext({ javaScriptEnabled });
  const admin = await context.newPage();
  await signIn(admin, people.admin, '/admin/issue-templates');
  await ready(admin, javaScriptEnabled);
  const name = unique('Laptop fleet');
  const create = admin.getByRole('region', { name: 'New template' });
  await create.getByLabel('Name').fill(name);
  await create.getByLabel('Labels').fill('corpsys-{system} team<b>');
  await create.getByRole('button', { name: 'Add template' }).click();
  await expect(admin.getByRole('region', { name: 'New template' }).getByText('A label is up to 60 lower-case letters')).toBeVisible();
  await ready(admin, javaScriptEnabled);
  const retry = admin.getByRole('region', { name: 'New template' });
  await retry.getByLabel('Name').fill(name);
  await retry.getByLabel('Labels').fill('corpsys-{system} corpsec-team-logistics');
  await retry.getByLabel('Priority').selectOption('p1');
  await retry.getByRole('button', { name: 'Add template' }).click();
  await expect(admin.locator('.template-list')).toContainText(name);
  await expect(admin.locator('.template-list')).toContainText('corpsec-team-logistics');

  const member = await (await browser.newContext({ javaScriptEnabled })).newPage();
  await signIn(member, people.member, '/');
  await expect(member.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tracker' })).toHaveCount(0);
  allowConsoleError(/403/);
  const res = await member.goto('/issues');
  expect(res?.status()).toBe(403);
});
