// Takes screenshots of the main pages for a human to look at (not a test):
//   node screenshots.mjs http://127.0.0.1:3000 ../target/screenshots
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';

const base = process.argv[2] || 'http://127.0.0.1:3000';
const out = process.argv[3] || '../target/screenshots';
const password = process.env.TIERDESK_DEMO_PASSWORD || 'tierdesk-demo-2026';
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function as(email, viewport = { width: 1280, height: 860 }) {
  const page = await (await browser.newContext({ viewport })).newPage();
  if (email) {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Work e-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }
  return page;
}

const shot = (page, name) => page.screenshot({ path: `${out}/${name}.png`, fullPage: true });

const visitor = await as(null);
await visitor.goto(base);
await shot(visitor, 'home-visitor');
await visitor.goto(`${base}/sign-in`);
await visitor.getByLabel('Work e-mail').fill('member@tierdesk.test');
await visitor.getByLabel('Password').fill('not the password');
await visitor.getByRole('button', { name: 'Sign in' }).click();
await visitor.locator('#password-error').waitFor();
await shot(visitor, 'sign-in-error');

const member = await as('member@tierdesk.test');
await member.goto(`${base}/request/software`);
await member.locator('body[data-hydrated]').waitFor();
await member.getByRole('button', { name: 'Submit request' }).click();
await member.locator('#title-error').waitFor();
await shot(member, 'request-form-errors');
await member.goto(`${base}/requests`);
await shot(member, 'my-requests');

const analyst = await as('analyst@tierdesk.test');
await analyst.goto(`${base}/queue`);
await shot(analyst, 'queue');
await analyst.goto(`${base}/requests/REQ-1`);
await shot(analyst, 'request-analyst');

await visitor.goto(`${base}/guides`);
await shot(visitor, 'guides');
await visitor.goto(`${base}/guides?q=resetting+password`);
await shot(visitor, 'guides-search');
await visitor.goto(`${base}/guides/reset-your-2fa`);
await shot(visitor, 'guide');

await member.goto(`${base}/request/software`);
await member.locator('body[data-hydrated]').waitFor();
await member.getByLabel('Title').fill('VPN keeps asking for my password');
await member.locator('.suggestion').first().waitFor();
await shot(member, 'request-form-suggestions');

await analyst.goto(`${base}/guides/software-problems/edit`);
await analyst.locator('.preview .prose').waitFor();
await shot(analyst, 'guide-editor');

const phone = await as('member@tierdesk.test', { width: 390, height: 844 });
await phone.goto(`${base}/guides/laptop-refresh`);
await shot(phone, 'guide-phone');
await phone.goto(`${base}/requests/REQ-1`);
await shot(phone, 'request-phone');
await phone.goto(`${base}/requests`);
await shot(phone, 'my-requests-phone');

await browser.close();
console.log(`screenshots in ${out}`);
