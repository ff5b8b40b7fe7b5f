// Every page of the app, as every kind of person, with JavaScript on: each must load, hydrate
// and never throw or log an error (the shared fixture fails the test on any). The page list comes
// from the server itself (`tierdesk routes`), so a new page without an address here fails.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test, expect, type Page } from './fixtures';
import { people, signIn } from './helpers';

const bin = process.env.TIERDESK_BIN || path.resolve(__dirname, '../../target/release/tierdesk');

/** Page routes as the server lists them (`GET /requests/{key}` …). */
function pageRoutes(): string[] {
  const out = execFileSync(bin, ['routes'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.startsWith('GET /'))
    .map((l) => l.slice(4))
    // Files are downloads, not pages (attachments.spec.ts covers them).
    // Machine endpoints are not pages: health checks, the API's description, the metrics.
    .filter((p) => !/^\/(fn|api|files)\//.test(p) && !['/healthz', '/readyz', '/openapi.json', '/metrics'].includes(p));
}

/** A real address in the demo data for each route. */
const addresses: Record<string, string[]> = {
  '/': ['/'],
  '/sign-in': ['/sign-in'],
  '/help/locked-out': ['/help/locked-out'],
  '/help/api': ['/help/api'],
  '/guides': ['/guides', '/guides?q=password', '/guides?category=access'],
  '/guides/new': ['/guides/new'],
  '/guides/{slug}': ['/guides/reset-your-password', '/guides/runbook-verify-identity-before-a-reset'],
  '/guides/{slug}/edit': ['/guides/reset-your-password/edit'],
  '/guides/{slug}/history': ['/guides/reset-your-password/history'],
  '/request': ['/request'],
  '/request/{kind}': ['/request/access', '/request/other'],
  '/requests': ['/requests'],
  '/requests/{key}': ['/requests/REQ-1'],
  '/queue': ['/queue', '/queue?view=breached'],
  '/queue/macros': ['/queue/macros'],
  '/approvals': ['/approvals'],
  '/people/{handle}': ['/people/member', '/people/contractor'],
  '/systems': ['/systems', '/systems?q=okta'],
  '/systems/{slug}': ['/systems/slack', '/systems/okta'],
  '/systems/{slug}/edit': ['/systems/slack/edit'],
  '/admin/registry': ['/admin/registry'],
  '/admin/role-templates': ['/admin/role-templates'],
  '/admin/coverage': ['/admin/coverage'],
  '/admin/issue-templates': ['/admin/issue-templates'],
  '/admin/rules': ['/admin/rules', '/admin/rules?name=x&trigger=created&actions=add%20label%20x&try_request=REQ-1'],
  '/settings/notifications': ['/settings/notifications'],
  '/issues': ['/issues', '/issues?state=&q=okta'],
  '/issues/board': ['/issues/board'],
  '/issues/new': ['/issues/new'],
  '/issues/{key}': ['/issues/ENG-1'],
};

/** Every form the member can fill: each kind of request. */
const kinds = [
  'access', 'access-change', 'reset', 'lockout', 'laptop', 'software', 'software-request', 'training', 'onboarding',
  'offboarding', 'role-change', 'external-collaborator', 'contractor', 'service-account',
  'infrastructure', 'other',
];

test('every page the server has is walked here', () => {
  const routes = pageRoutes();
  expect(routes.length).toBeGreaterThan(15);
  expect(routes.filter((r) => !(r in addresses)), 'pages without an address in walk.js.spec.ts').toEqual([]);
});

const who: [string, string | null][] = [
  ['visitor', null],
  ['member', people.member],
  ['contractor', people.contractor],
  ['manager', people.manager],
  ['provisioner', 'pia@tierdesk.test'],
  ['analyst', people.analyst],
  ['engineer', 'engineer@tierdesk.test'],
  ['admin', people.admin],
];

async function visit(page: Page, address: string) {
  const response = await page.goto(address);
  const status = response?.status() ?? 0;
  expect(status, `${address} answered ${status}`).toBeLessThan(500);
  // Whatever the answer (the page, "not found", "not allowed", sign in first), the app comes
  // alive on it.
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator('main')).toBeVisible();
}

for (const [role, email] of who) {
  test(`every page as ${role}, with JavaScript`, async ({ page }) => {
    test.setTimeout(180_000);
    if (email) await signIn(page, email);
    for (const list of Object.values(addresses)) {
      for (const address of list) await visit(page, address);
    }
    if (role === 'member') {
      for (const kind of kinds) await visit(page, `/request/${kind}`);
    }
  });
}

test('moving between pages inside the app, without reloads, throws nothing', async ({ page }) => {
  await signIn(page, people.analyst);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const link of ['Guides', 'Request help', 'My requests', 'Systems', 'Queue']) {
    await nav.getByRole('link', { name: link, exact: true }).click();
    await expect(page.locator('h1').first()).toBeVisible();
  }
  // "Waiting for me" is there only with something waiting (a count follows the name).
  const waiting = nav.getByRole('link', { name: /^Waiting for me/ });
  // The count is read with the page; wait for the header to settle first.
  await expect(nav.getByRole('link', { name: 'Queue', exact: true })).toBeVisible();
  if (await waiting.count()) {
    await waiting.click();
    await expect(page.locator('h1').first()).toHaveText('Waiting for me');
  }
});
