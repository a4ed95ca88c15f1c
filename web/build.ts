// Builds the dashboard (web/src) into web/dist: one JS bundle and one stylesheet with content-hashed names (served
// with a year-long immutable cache), index.html referring to them by relative URLs (so the dashboard works under any
// base path a reverse proxy puts in front), and a .gz and .br copy of each file made once here rather than per
// request. Usage: node web/build.ts [--if-stale]   (--if-stale: only when a source is newer than the build)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const webRoot = dirname(fileURLToPath(import.meta.url));
const sourceDir = join(webRoot, 'src');
export const distDir = join(webRoot, 'dist');
const manifestFile = join(distDir, 'index.html');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when web/dist is missing or older than a source file or this script. */
export function buildIsStale(): boolean {
  if (!existsSync(manifestFile)) return true;
  const built = statSync(manifestFile).mtimeMs;
  return Math.max(newestSource(sourceDir), statSync(fileURLToPath(import.meta.url)).mtimeMs) > built;
}

function hashed(name: string, ext: string, content: Uint8Array): string {
  return `${name}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}.${ext}`;
}

/**
 * Test files build the dashboard while other test files' servers load it (npm test runs several at once): each file
 * appears whole or not at all (written beside web/dist's served files, then renamed over), and the folder is never
 * emptied, so a server starting meanwhile never reads a truncated file or finds the build gone.
 */
function writeAtomically(path: string, content: Uint8Array | string): void {
  const temporary = join(distDir, `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}

function writeWithCompressed(path: string, content: Uint8Array | string): void {
  writeAtomically(path, content);
  writeAtomically(`${path}.gz`, gzipSync(content, { level: 9 }));
  writeAtomically(`${path}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
}

/** Assets of earlier builds (other hashes) go once this build's are in place. */
function removeStaleAssets(current: readonly string[]): void {
  const assets = join(distDir, 'assets');
  for (const name of readdirSync(assets)) {
    if (!current.includes(name.replace(/\.(gz|br)$/, ''))) rmSync(join(assets, name), { force: true });
  }
}

export async function buildDashboard(): Promise<{ js: string; css: string }> {
  const result = await build({
    entryPoints: [join(sourceDir, 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    write: false,
    outdir: distDir,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const jsOut = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (jsOut === undefined) throw new Error('esbuild produced no JavaScript');
  const css = readFileSync(join(sourceDir, 'style.css'));
  const cssMin = (await build({ stdin: { contents: css.toString('utf8'), loader: 'css' }, minify: true, write: false, logLevel: 'warning' })).outputFiles[0];
  if (cssMin === undefined) throw new Error('esbuild produced no stylesheet');

  mkdirSync(join(distDir, 'assets'), { recursive: true });
  const jsName = hashed('app', 'js', jsOut.contents);
  const cssName = hashed('app', 'css', cssMin.contents);
  writeWithCompressed(join(distDir, 'assets', jsName), jsOut.contents);
  writeWithCompressed(join(distDir, 'assets', cssName), cssMin.contents);
  const favicon = readFileSync(join(sourceDir, 'favicon.svg'));
  const faviconName = hashed('favicon', 'svg', favicon);
  writeWithCompressed(join(distDir, 'assets', faviconName), favicon);
  // Relative URLs only: behind a proxy at /vigil/ the page at /vigil/ loads /vigil/assets/…; no inline script or style (CSP).
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Vigil</title>
<link rel="icon" href="assets/${faviconName}" type="image/svg+xml">
<link rel="stylesheet" href="assets/${cssName}">
<script type="module" src="assets/${jsName}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
  writeWithCompressed(manifestFile, html);
  removeStaleAssets([jsName, cssName, faviconName]);
  return { js: jsName, css: cssName };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--if-stale') && !buildIsStale()) process.exit(0);
  const { js, css } = await buildDashboard();
  process.stderr.write(`vigil: dashboard built into web/dist (${js}, ${css})\n`);
}
