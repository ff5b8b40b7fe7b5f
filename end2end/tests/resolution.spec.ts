import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// Issue 15's end of a request: the analyst resolves with a reply (never without one), the
// requester rates the help with one click and reopens with a reason, and a colleague the
// requester copied on it follows it without seeing internal notes.
test('resolve with a reply, rate, reopen, and a colleague copied on it', async ({ browser, javaScriptEnabled }) => {
  const title = unique('Monitor flickers');
  const contextFor = async (email: string, next: string) => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    await signIn(page, email, next);
    await ready(page, javaScriptEnabled);
    return page;
  };
  const member = await contextFor(people.member, '/request/other');
  await member.getByLabel('Title').fill(title);
  await member.getByLabel('Description').fill('Every few minutes.');
  await member.getByRole('button', { name: 'Submit request' }).click();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = member.url().split('/').pop()!;
  await ready(member, javaScriptEnabled);

  // Copying a colleague: an unknown address is named, then Cole is added.
  const cc = member.getByRole('region', { name: 'Copied (CC)' });
  await cc.getByLabel('Copy a colleague').fill('nobody@tierdesk.test');
  await cc.getByRole('button', { name: 'Add' }).click();
  await expect(member.getByText('No one here is nobody@tierdesk.test')).toBeVisible();
  await ready(member, javaScriptEnabled);
  await member.getByRole('region', { name: 'Copied (CC)' }).getByLabel('Copy a colleague').fill('cole@tierdesk.test');
  await member.getByRole('region', { name: 'Copied (CC)' }).getByRole('button', { name: 'Add' }).click();
  await expect(member.getByRole('region', { name: 'Copied (CC)' }).getByRole('listitem')).toContainText('Cole Colleague');

  // The analyst notes, then resolves: not without a reply.
  const analyst = await contextFor(people.analyst, `/requests/${key}`);
  await analyst.getByRole('button', { name: 'Claim' }).click();
  await expect(analyst.locator('.request-head')).toContainText('In progress');
  await ready(analyst, javaScriptEnabled);
  await analyst.getByLabel('Internal note (staff only; the requester never sees it)').fill('Cable batch 7 is faulty.');
  await analyst.getByRole('button', { name: 'Add internal note' }).click();
  await expect(analyst.locator('.conversation .internal')).toContainText('Cable batch 7');
  await ready(analyst, javaScriptEnabled);
  await analyst.locator('.resolve-form').getByRole('button', { name: 'Resolve' }).click();
  await expect(analyst.locator('.resolve-form').getByText('Please enter the resolution reply')).toBeVisible();
  await expect(analyst.locator('.request-head')).not.toContainText('Resolved');
  await ready(analyst, javaScriptEnabled);
  await analyst.locator('.resolve-form').getByLabel('Resolution reply to the requester').fill('We sent you a new cable.');
  await analyst.locator('.resolve-form').getByRole('button', { name: 'Resolve' }).click();
  await expect(analyst.locator('.request-head')).toContainText('Resolved');

  // Cole sees it in his list, marked CC, with the reply and without the note; he cannot rate.
  const cole = await contextFor('cole@tierdesk.test', '/requests?show=all');
  const row = cole.getByRole('list', { name: 'My requests' }).getByRole('link', { name: new RegExp(title) });
  await expect(row).toContainText('CC');
  await row.click();
  await expect(cole).toHaveURL(new RegExp(`/requests/${key}$`));
  await expect(cole.locator('.conversation')).toContainText('We sent you a new cable.');
  await expect(cole.locator('body')).not.toContainText('Cable batch 7');
  await expect(cole.getByRole('region', { name: 'How did we do?' })).toHaveCount(0);

  // The requester rates with one click, with a comment typed first.
  await member.goto(`/requests/${key}`);
  await ready(member, javaScriptEnabled);
  const feedback = member.getByRole('region', { name: 'How did we do?' });
  await expect(feedback.locator('.conversation')).toHaveCount(0);
  await feedback.getByLabel('Comment (optional)').fill('Quick, <b>thanks</b>!');
  await feedback.getByRole('button', { name: 'Good, I’m satisfied' }).click();
  await expect(member.locator('.given-rating')).toContainText('Your rating: Good, I’m satisfied');
  await expect(member.locator('.given-rating')).toContainText('Quick, <b>thanks</b>!');

  // The queue shows it among the latest ratings.
  await analyst.goto('/queue');
  await expect(analyst.getByRole('region', { name: 'Latest ratings' })).toContainText(title);

  // Reopening needs a reason; then it is back in progress.
  await ready(member, javaScriptEnabled);
  await member.getByRole('button', { name: 'Reopen request' }).click();
  await expect(member.getByText('Please enter what is still wrong.')).toBeVisible();
  await ready(member, javaScriptEnabled);
  await member.getByLabel('What is still wrong?').fill('It flickers again with the new cable.');
  await member.getByRole('button', { name: 'Reopen request' }).click();
  await expect(member.locator('.request-head')).toContainText('In progress');
  await expect(member.locator('.conversation')).toContainText('It flickers again with the new cable.');

  // Cole takes himself off and no longer sees it.
  await cole.reload();
  await ready(cole, javaScriptEnabled);
  await cole.getByRole('region', { name: 'Copied (CC)' }).getByRole('button', { name: 'Remove Cole Colleague' }).click();
  await expect(cole).toHaveURL(/\/requests$/);
  await cole.goto(`/requests/${key}`);
  await expect(cole.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  for (const p of [member, analyst, cole]) await p.context().close();
});

// Guide search forgives one typo per word, offers the closest words when nothing matches, and
// "who owns X" puts the system first.
test('guide search forgives typos and answers who owns a system', async ({ page, javaScriptEnabled }) => {
  await page.goto('/guides?q=pasword');
  await ready(page, javaScriptEnabled);
  const results = page.getByRole('list', { name: 'Search results' });
  await expect(results.getByRole('link', { name: 'Reset your password' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'found' })).toContainText('for password');

  await page.goto('/guides?q=lpatpo');
  await ready(page, javaScriptEnabled);
  await expect(page.locator('.empty')).toContainText('No guide matches');
  await page.locator('.suggestions').getByRole('link', { name: 'laptop' }).click();
  await expect(page).toHaveURL(/\/guides\?q=laptop$/);
  await expect(page.getByRole('list', { name: 'Search results' }).getByRole('link').first()).toBeVisible();

  await signIn(page, people.member);
  await page.goto('/guides?q=who owns slack');
  await ready(page, javaScriptEnabled);
  const systems = page.getByRole('region', { name: 'Systems' });
  await expect(systems.getByRole('link', { name: 'Slack' })).toBeVisible();
  const first = await page.locator('main section, main ol').first().getAttribute('class');
  expect(first).toContain('system-matches');
});
