import { test, expect } from './fixtures';
import { people, ready, signIn, unique } from './helpers';

// The walking skeleton: a member asks, an analyst answers and resolves, the member sees the
// reply but never the internal note, and the history tells who did what.
test('a software request goes from a member to an analyst and back', async ({ browser, javaScriptEnabled }) => {
  const title = unique('Zoom crashes when sharing');
  const member = await (await browser.newContext({ javaScriptEnabled })).newPage();
  const analyst = await (await browser.newContext({ javaScriptEnabled })).newPage();

  await signIn(member, people.member);
  await ready(member, javaScriptEnabled);
  await member.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Request help' }).click();
  await member.getByRole('link', { name: /Software or other problem/ }).click();
  await ready(member, javaScriptEnabled);
  await member.getByLabel('Title').fill(title);
  await member.getByLabel('Device').fill('MacBook Pro 14" 2023');
  await member.getByLabel('Software', { exact: true }).fill('Zoom 6.3');
  await member.getByLabel('Problem').fill('It quits as soon as I share my screen.');
  await member.getByLabel('Priority').selectOption('high');
  await member.getByRole('button', { name: 'Submit request' }).click();

  await expect(member.getByRole('heading', { level: 1, name: title })).toBeVisible();
  await expect(member).toHaveURL(/\/requests\/REQ-\d+$/);
  const key = member.url().split('/').pop()!;
  await expect(member.getByText('An analyst on shift will pick this up.')).toBeVisible();

  await member.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My requests' }).click();
  const mine = member.getByRole('list', { name: 'My requests' }).getByRole('link', { name: new RegExp(title) });
  await expect(mine).toContainText(key);
  await expect(mine).toContainText('New');

  await signIn(analyst, people.analyst);
  await analyst.getByRole('link', { name: 'Queue' }).click();
  await ready(analyst, javaScriptEnabled);
  await analyst.getByLabel('Search', { exact: true }).fill(title);
  await analyst.getByRole('button', { name: 'Apply filters' }).click();
  const row = analyst.getByRole('row', { name: new RegExp(title) });
  await expect(row).toContainText('Unassigned');
  await row.getByRole('link', { name: key }).click();
  await ready(analyst, javaScriptEnabled);
  await expect(analyst.getByRole('heading', { level: 1, name: title })).toBeVisible();

  await analyst.getByRole('button', { name: 'Claim' }).click();
  await expect(analyst.locator('.request-head')).toContainText('In progress');
  await expect(analyst.locator('.request-side dl.facts')).toContainText('Ana Analyst');

  await analyst.getByLabel('Reply', { exact: true }).fill('Please update Zoom to 6.4; that fixes the crash.');
  await analyst.getByRole('button', { name: 'Send reply' }).click();
  await expect(analyst.locator('.conversation')).toContainText('Please update Zoom to 6.4');

  await analyst.getByLabel(/Internal note/).fill('Known issue ZM-1234; vendor fix pending.');
  await analyst.getByRole('button', { name: 'Add internal note' }).click();
  await expect(analyst.locator('.conversation .internal')).toContainText('Known issue ZM-1234');

  await analyst.locator('.resolve-form').getByLabel('Resolution reply to the requester').fill('Fixed by Zoom 6.4.');
  await analyst.getByRole('button', { name: 'Resolve' }).click();
  await expect(analyst.locator('.request-head')).toContainText('Resolved');

  await member.goto(`/requests/${key}`);
  await expect(member.locator('.request-head')).toContainText('Resolved');
  await expect(member.locator('.conversation')).toContainText('Please update Zoom to 6.4');
  await expect(member.locator('body')).not.toContainText('Known issue ZM-1234');
  await expect(member.locator('body')).not.toContainText('Internal note');

  const history = member.locator('.history');
  await expect(history).toContainText('Mia Member submitted the request');
  await expect(history).toContainText('Ana Analyst claimed it');
  await expect(history).toContainText('Ana Analyst changed the state from New to In progress');
  await expect(history).toContainText('Ana Analyst replied');
  await expect(history).toContainText('Ana Analyst changed the state from In progress to Resolved');
  await expect(history).not.toContainText('internal note');
});

test('bad input is named at its field and nothing is saved', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/software');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Title').fill('   ');
  await page.getByLabel('Problem').fill('Something broke.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.locator('#title-error')).toHaveText('Please enter a title.');
  await expect(page).toHaveURL(/\/request\/software/);
});
