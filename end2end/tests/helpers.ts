import { expect, type Page } from '@playwright/test';

export const PASSWORD = process.env.TIERDESK_DEMO_PASSWORD || 'tierdesk-demo-2026';

export const people = {
  member: 'member@tierdesk.test',
  manager: 'manager@tierdesk.test',
  contractor: 'contractor@tierdesk.test',
  analyst: 'analyst@tierdesk.test',
  // The other regions' analysts: journeys that count "Mine" use them, so nothing else moves it.
  sam: 'sam@tierdesk.test',
  kai: 'kai@tierdesk.test',
  admin: 'admin@tierdesk.test',
  engineer: 'engineer@tierdesk.test',
} as const;

/** Signs in through the form, the way a person does. */
export async function signIn(page: Page, email: string, next = '/') {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Work e-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.account-menu summary')).toBeVisible();
}

/** With JavaScript on, waits until the page has hydrated so clicks go through the app. */
export async function ready(page: Page, javaScriptEnabled: boolean | undefined) {
  if (javaScriptEnabled !== false) {
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }
}

export function unique(label: string) {
  return `${label} ${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
