// The dashboard's live figures in Debian's Chromium against an in-process Vigil holding 500 Containers: time from
// navigation to all 500 rows rendered, a watch event (a resource-API patch of spec.policy) to its change on the page
// (measured from before the PATCH is sent until the page shows it: an upper bound that includes the request), and the
// page's JS heap after a forced GC at the start, after 1,000 events and after 2,000 (flat = no growth per event).
import { chromium, type Page } from 'playwright-core';
import type { VigilServer } from '../testbed/vigil.ts';
import { CHROMIUM_FLAGS } from '../integration/dashboard/browser.ts';
import { percentile, pool } from './stats.ts';

const API = 'apis/vigil.dev/v1alpha1/namespaces/local/containers';
export const CONTAINERS = 500;
const LATENCY_SAMPLES = 100;
const HEAP_EVENTS = 1000;

async function call(vigil: VigilServer, method: string, path: string, body: unknown, type = 'application/json'): Promise<void> {
  const answer = await fetch(`${vigil.url}/${path}`, { method, headers: { ...vigil.headers(), 'content-type': type }, body: JSON.stringify(body) });
  if (!answer.ok) throw new Error(`${method} /${path}: ${answer.status} ${await answer.text()}`);
}

const nameOf = (index: number) => `app-${String(index).padStart(3, '0')}`;

/** 500 Containers as the inventory would write them: name, image, state, a compose stack of 20. */
export async function seedContainers(vigil: VigilServer): Promise<void> {
  await pool(CONTAINERS, 8, async (index) => {
    const name = nameOf(index);
    await call(vigil, 'POST', API, { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name }, spec: { containerName: name, policy: 'manual' } });
    await call(vigil, 'PATCH', `${API}/${name}/status`, { status: { name, image: `registry.example/team/${name}:1.0.${index}`, state: 'running', compose: { project: `stack-${index % 25}` } } }, 'application/merge-patch+json');
  });
}

// The page's code is given as text (its DOM is not this file's, and this project's tsconfig has no DOM types);
// page.evaluate sends it over the DevTools protocol, which the strict CSP does not refuse (it is no eval in the page).

/** Resolves in the page once `count` rows are there: performance.now() then (ms since the navigation began). */
function rowsRendered(page: Page, count: number): Promise<number> {
  return page.evaluate<number>(`new Promise((resolve) => {
    const check = () => (document.querySelectorAll('tr[data-container]').length >= ${count} ? resolve(performance.now()) : requestAnimationFrame(check));
    check();
  })`);
}

function policyShown(page: Page, name: string, policy: string): Promise<void> {
  return page.evaluate<void>(`new Promise((resolve) => {
    const check = () => (document.querySelector(${JSON.stringify(`select[aria-label="Policy of ${name}"]`)})?.value === ${JSON.stringify(policy)} ? resolve() : requestAnimationFrame(check));
    check();
  })`);
}

export interface LiveFigures {
  renderMs: number[];
  eventMs: number[];
  heapBytes: { start: number; after1000: number; after2000: number };
}

export async function measureLive(vigil: VigilServer, user: { username: string; password: string }): Promise<LiveFigures> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const signIn = await context.newPage();
    await signIn.goto(`${vigil.url}/`);
    await signIn.getByLabel('Username').fill(user.username);
    await signIn.getByLabel('Password').fill(user.password);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await rowsRendered(signIn, CONTAINERS);
    await signIn.close();

    const renderMs: number[] = [];
    for (let run = 0; run < 5; run += 1) {
      const page = await context.newPage();
      await page.goto(`${vigil.url}/#/`, { waitUntil: 'commit' });
      renderMs.push(await rowsRendered(page, CONTAINERS));
      await page.close();
    }

    const page = await context.newPage();
    await page.goto(`${vigil.url}/#/`);
    await rowsRendered(page, CONTAINERS);
    let flip = 0;
    const event = async (): Promise<number> => {
      const name = nameOf(flip % CONTAINERS);
      const policy = Math.floor(flip / CONTAINERS) % 2 === 0 ? 'auto' : 'manual';
      flip += 1;
      const started = performance.now();
      await call(vigil, 'PATCH', `${API}/${name}`, { spec: { policy } }, 'application/merge-patch+json');
      await policyShown(page, name, policy);
      return performance.now() - started;
    };
    const eventMs: number[] = [];
    for (let sample = 0; sample < LATENCY_SAMPLES; sample += 1) eventMs.push(await event());

    const cdp = await context.newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const start = await heap();
    for (let count = 0; count < HEAP_EVENTS; count += 1) await event();
    const after1000 = await heap();
    for (let count = 0; count < HEAP_EVENTS; count += 1) await event();
    const after2000 = await heap();
    return { renderMs, eventMs, heapBytes: { start, after1000, after2000 } };
  } finally {
    await browser.close();
  }
}

export function liveLines(figures: LiveFigures): string[] {
  const median = (list: number[]) => percentile(list, 50);
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  const { start, after1000, after2000 } = figures.heapBytes;
  return [
    '| live (Chromium, 500 Containers) | figure | target |',
    '|---|---|---|',
    `| navigation → 500 rows rendered (5 loads) | median ${median(figures.renderMs).toFixed(0)} ms, max ${Math.max(...figures.renderMs).toFixed(0)} ms | ≤ 1 s |`,
    `| watch event → change on the page (${figures.eventMs.length} patches, from before the PATCH) | p50 ${median(figures.eventMs).toFixed(1)} ms, p95 ${percentile(figures.eventMs, 95).toFixed(1)} ms | p95 ≤ 250 ms |`,
    `| JS heap after GC: start / after 1,000 events / after 2,000 | ${mib(start)} / ${mib(after1000)} / ${mib(after2000)} (${after2000 - after1000 >= 0 ? '+' : ''}${((after2000 - after1000) / 1024).toFixed(0)} KB over the second 1,000) | flat |`,
  ];
}
