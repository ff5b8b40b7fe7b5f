// Every browser test imports `test` from here, not from '@playwright/test'. It fails any test in
// which a page threw (a panic in the WebAssembly half included) or logged a console error, in
// every page of every browser context the test opened, without a line in the test itself. And
// it gives each worker a server and a database of its own (see start-server.sh), so journeys run
// in parallel and no journey sees another worker's data.
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export { expect };
export type { Browser, Page } from '@playwright/test';

/** What the current test has seen go wrong; tests in one worker run one at a time. */
let seen: string[] | null = null;
/** Console errors the current test expects (a page that answers 404 on purpose). */
let expected: RegExp[] = [];

/**
 * A status the app gives on purpose (a field message from a server function, a refusal, a page
 * that is not found or not for this person): the browser logs it as "Failed to load resource",
 * but it is an answer, not a fault. That holds for server-function and API calls and for the
 * page itself; a 4xx for anything else the page loads (a script, the stylesheet) is a fault, and
 * a 5xx always is.
 */
function expectedAnswer(text: string, url: string, pageUrl: string): boolean {
  if (!/status of 4\d\d/.test(text)) return false;
  return /\/(fn|api\/v1)\//.test(url) || url === pageUrl;
}

function watch(page: Page) {
  page.on('pageerror', (e) => seen?.push(`${page.url()}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    const url = m.location().url || '';
    if (expectedAnswer(text, url, page.url()) || expected.some((re) => re.test(text))) return;
    seen?.push(`${page.url()}: console error: ${text}${url ? ` (${url})` : ''}`);
  });
  page.on('crash', () => seen?.push(`${page.url()}: the page crashed`));
}

function watchContext(context: BrowserContext) {
  context.pages().forEach(watch);
  context.on('page', watch);
}

/** The port of a worker's server: odd for SQLite, even for Postgres (see hostile.js.spec.ts). */
export function serverPort(backend: 'sqlite' | 'postgres', workerIndex: number): number {
  return 3201 + 2 * workerIndex + (backend === 'postgres' ? 1 : 0);
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server stopped (${server.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server at ${url} was not ready after 90 s:\n${log()}`);
}

export const test = base.extend<{ browserErrors: void }, { watchedBrowser: void; server: string }>({
  // One server per worker, on a fresh database with the demo data, for the worker's project.
  server: [
    async ({}, use, workerInfo) => {
      const backend = workerInfo.project.name.startsWith('postgres') ? 'postgres' : 'sqlite';
      const port = serverPort(backend, workerInfo.parallelIndex);
      const script = path.join(__dirname, '..', 'start-server.sh');
      const server = spawn(script, [backend, String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      server.stderr!.on('data', (d) => {
        stderr = (stderr + d).slice(-4000);
      });
      const url = `http://127.0.0.1:${port}`;
      await waitUntilReady(url, server, () => stderr);
      await use(url);
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r(null) : server.once('exit', r)));
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  baseURL: async ({ server }, use) => {
    await use(server);
  },
  // Contexts a test opens itself (`browser.newContext()`) are watched too.
  watchedBrowser: [
    async ({ browser }, use) => {
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        watchContext(context);
        return context;
      };
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  browserErrors: [
    async ({ context }, use) => {
      seen = [];
      expected = [];
      watchContext(context);
      await use();
      const problems = seen;
      seen = null;
      expect(problems, 'the browser reported errors').toEqual([]);
    },
    { auto: true },
  ],
});

/** The current test expects a console error matching `re` (e.g. a page it knows is a 404). */
export function allowConsoleError(re: RegExp) {
  expected.push(re);
}
