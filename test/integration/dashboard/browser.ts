// What the dashboard browser tests share: Chromium's flags, axe-core, where screenshots go, signing in, console errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { deadlines } from '../../testbed/deadlines.ts';

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const AXE_SOURCE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8');

// A test run must leave the work tree as it found it, so screenshots go to a temporary folder unless
// VIGIL_SCREENSHOTS_DIR names one: `VIGIL_SCREENSHOTS_DIR=docs/screenshots npm test -- test/integration/dashboard/*.test.ts`
// regenerates the ones docs/dashboard.md shows.
let folder: string | undefined;
export function screenshot(name: string): string {
  if (folder === undefined) {
    const chosen = process.env.VIGIL_SCREENSHOTS_DIR;
    folder = chosen === undefined || chosen === '' ? mkdtempSync(join(tmpdir(), 'vigil-screenshots-')) : resolve(chosen);
    mkdirSync(folder, { recursive: true });
  }
  return join(folder, `${name}.png`);
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
}

/**
 * Console errors and uncaught exceptions of a page, but the signed-out session probe (a 401 of /api/auth/me), requests
 * Chromium aborted because the machine's network changed, and what
 * `expected` says the flow makes on purpose (a refused value, say).
 */
export function watchErrors(page: Page, expected: (text: string, url: string) => boolean = () => false): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (message.text().includes('status of 401') && url.endsWith('/api/auth/me')) return;
    // Chromium aborts the requests in flight when the machine's network interfaces change, which the Docker engines of
    // test files running beside this one do whenever they create or remove a container's veth pair: the machine's
    // doing, not the page's (the page's own error handling shows and retries them).
    if (message.text().includes('net::ERR_NETWORK_CHANGED')) return;
    if (expected(message.text(), url)) return;
    errors.push(`${message.text()} (${url})`);
  });
  return errors;
}

/** axe-core over the page: no serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  // Evaluated over the DevTools protocol: addScriptTag would insert an inline script, which the strict CSP refuses.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations.map(({ id, impact, help }) => ({ id, impact, help }));
  });
  const serious = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  assert.deepEqual(serious, [], `${what}: ${JSON.stringify(serious)}`);
}

/** Signs in through the form at `url` (the dashboard's root, no trailing slash) and waits for the Containers page. */
export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });
}

/** Polls `read` until `check` holds for its value (the condition deadline); the last value otherwise in the error. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = deadlines.condition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await sleep(200);
  }
}
