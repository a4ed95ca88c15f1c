// The dashboard's figures: the first load (the bytes a browser with an empty cache transfers for the page and
// everything it names, gzip and brotli as Chromium asks for it, fetched from a real server over HTTP; target ≤ 80 KB
// gzip), and the live ones in Chromium over 500 Containers (dashboard-live.ts).
import { buildDashboard } from '../../web/build.ts';
import { startInProcessVigil } from '../testbed/vigil.ts';
import { liveLines, measureLive, seedContainers } from './dashboard-live.ts';

async function firstLoadBytes(url: string, encoding: string): Promise<{ total: number; files: Array<[string, number]> }> {
  const fetchBytes = async (path: string): Promise<{ bytes: number; text: string }> => {
    const response = await fetch(`${url}/${path}`, { headers: { 'accept-encoding': encoding } });
    if (!response.ok) throw new Error(`GET /${path}: ${response.status}`);
    // fetch decodes the body; the wire size is the Content-Length of the encoded copy.
    const text = await response.text();
    return { bytes: Number(response.headers.get('content-length') ?? Buffer.byteLength(text)), text };
  };
  const page = await fetchBytes('');
  const files: Array<[string, number]> = [['index.html', page.bytes]];
  for (const [, path] of page.text.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)) {
    if (path !== undefined) files.push([path, (await fetchBytes(path)).bytes]);
  }
  return { total: files.reduce((sum, [, bytes]) => sum + bytes, 0), files };
}

export async function dashboardBenchmark(): Promise<string> {
  await buildDashboard();
  const vigil = await startInProcessVigil();
  try {
    const gzip = await firstLoadBytes(vigil.url, 'gzip');
    const br = await firstLoadBytes(vigil.url, 'gzip, deflate, br');
    const kb = (bytes: number) => (bytes / 1024).toFixed(1);
    const lines = ['## Dashboard', '', '| first load (empty cache) | gzip KB | brotli KB |', '|---|---|---|'];
    for (const [index, [path, bytes]] of gzip.files.entries()) lines.push(`| ${path.replace(/-[0-9a-f]{12}/, '-HASH')} | ${kb(bytes)} | ${kb(br.files[index]?.[1] ?? 0)} |`);
    lines.push(`| **total** (target ≤ 80 KB gzip) | **${kb(gzip.total)}** | **${kb(br.total)}** |`);
    await seedContainers(vigil);
    const figures = await measureLive(vigil, await vigil.createUser('admin', 'bench-admin'));
    lines.push('', ...liveLines(figures));
    return lines.join('\n');
  } finally {
    await vigil.stop();
  }
}
