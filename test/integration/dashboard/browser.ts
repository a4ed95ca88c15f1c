// What both dashboard browser tests share: Chromium's flags, axe-core's source, and where screenshots go.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
