import { test, expect } from './fixtures';
import { people, ready, signIn, PASSWORD } from './helpers';

// One attempt shows every mistake, listed at the top with links to the fields, and nothing typed
// is lost: with JavaScript the browser checks first; without it the server sends the page back
// with the messages and what was typed.
test('a refused request shows every message at once and keeps what was typed', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/request/software');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Title').fill('Zoom crashes when I share "my screen" <b>');
  await page.getByLabel('Priority').selectOption('high');
  await page.getByRole('button', { name: 'Submit request' }).click();

  const summary = page.locator('.error-summary');
  await expect(summary).toContainText('Please correct these 3 fields');
  await expect(summary.getByRole('link')).toHaveCount(3);
  await expect(summary.getByRole('link', { name: /^Device: / })).toHaveAttribute('href', '#device');
  for (const id of ['device', 'software', 'description']) {
    await expect(page.locator(`#${id}-error`)).not.toBeEmpty();
    await expect(page.locator(`#${id}`)).toHaveAttribute('aria-invalid', 'true');
  }
  await expect(page.locator('#title-error')).toBeEmpty();
  await expect(page.getByLabel('Title')).toHaveValue('Zoom crashes when I share "my screen" <b>');
  await expect(page.getByLabel('Priority')).toHaveValue('high');
  await expect(page).toHaveURL(/\/request\/software/);

  // Mending only what was named is enough.
  await page.getByLabel('Device').fill('MacBook Pro 14"');
  await page.getByLabel('Software', { exact: true }).fill('Zoom 6.2');
  await page.getByLabel('Problem').fill('It quits as soon as I share.');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/requests\/REQ-\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Zoom crashes when I share');
});

test('a wrong password keeps the e-mail, never the password', async ({ page, javaScriptEnabled }) => {
  await page.goto('/sign-in');
  await ready(page, javaScriptEnabled);
  await page.getByLabel('Work e-mail').fill(people.member);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('#password-error')).toHaveText('That e-mail and password do not match.');
  await expect(page.getByLabel('Work e-mail')).toHaveValue(people.member);
  await expect(page.getByLabel('Password')).toHaveValue('');
  expect(await page.content()).not.toContain('not the password');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.account-menu summary')).toBeVisible();
});

// The header fits one row on a laptop, shows who is signed in legibly, and its menu (a
// disclosure, with or without JavaScript) holds the person's access, the admin pages for
// admins, and signing out.
test('the header fits, names the person and opens their menu', async ({ page, javaScriptEnabled }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page, people.admin, '/guides');
  await ready(page, javaScriptEnabled);
  const nav = page.getByRole('navigation', { name: 'Main' });
  const links = nav.getByRole('link');
  const tops = await links.evaluateAll((as) => as.map((a) => Math.round(a.getBoundingClientRect().top)));
  expect(new Set(tops).size, `nav rows: ${tops}`).toBe(1);

  const who = page.locator('.account-menu summary');
  await expect(who).toContainText('Ada Admin');
  // The name is legible on the header: its colour differs from the header's.
  const [fg, bg] = await who.evaluate((el) => [
    getComputedStyle(el).color,
    getComputedStyle(document.querySelector('.topbar')!).backgroundColor,
  ]);
  expect(fg).not.toBe(bg);

  await expect(page.getByRole('link', { name: 'My access' })).toBeHidden();
  await who.click();
  await expect(page.getByRole('link', { name: 'My access' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Tech-stack registry' })).toBeVisible();
  await page.getByRole('link', { name: 'Coverage and shifts' }).click();
  await expect(page).toHaveURL(/\/admin\/coverage$/);
  // Following one of its links closes the menu, with JavaScript too (the header stays).
  await expect(page.getByRole('link', { name: 'My access' })).toBeHidden();
  if (javaScriptEnabled !== false) {
    await who.click();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('link', { name: 'My access' })).toBeHidden();
    await expect(who).toBeFocused();
  }
  await who.click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('a member’s menu has no admin entries', async ({ page, javaScriptEnabled }) => {
  await signIn(page, people.member, '/');
  await ready(page, javaScriptEnabled);
  await page.locator('.account-menu summary').click();
  await expect(page.getByRole('link', { name: 'My access' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Tech-stack registry' })).toHaveCount(0);
});
