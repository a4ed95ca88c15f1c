// Issue 3's figures, over HTTP on this machine against `vigil serve` in its own process (embedded store): listing
// 1,000 Containers, write-to-delivery with 1,000 concurrent watch connections, and requests per second for GET of
// one object. The client side runs in this process with plain node:http, so that what is measured is the server.
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil } from '../testbed/vigil.ts';
import { benchObject } from './storage-objects.ts';
import { ms, percentile, perSecond, pool, table, type Row } from './stats.ts';

const OBJECTS = 1000;
const LIST_RUNS = 200;
const WATCHERS = 1000;
const WATCHED_WRITES = 200;
const WRITE_SPACING_MS = 20;
const GET_REQUESTS = 20_000;
const GET_CONCURRENCY = 32;
const NAMESPACE = 'bench';
const COLLECTION = `/apis/vigil.dev/v1alpha1/namespaces/${NAMESPACE}/containers`;
const SENT_AT = 'bench.vigil.dev/sent-at';

/** The server, and the admin's API token every request carries (authentication on, as users run Vigil). */
interface Endpoint {
  url: URL;
  headers: Record<string, string>;
}

interface Answer {
  status: number;
  body: string;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

function call(base: Endpoint, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({
      host: base.url.hostname, port: base.url.port, method, path, agent: keepAlive,
      headers: { ...base.headers, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectOk(answer: Promise<Answer>, what: string): Promise<Answer> {
  const result = await answer;
  if (result.status < 200 || result.status > 299) throw new Error(`${what}: ${result.status} ${result.body.slice(0, 300)}`);
  return result;
}

/** 1,000 Containers of ~1.7 KB each (spec by POST, status through /status as a controller writes it). */
async function populate(base: Endpoint): Promise<void> {
  await pool(OBJECTS, 16, async (i) => {
    const object = benchObject(i);
    const metadata = { name: `app-${i}`, namespace: NAMESPACE, labels: (object.metadata as { labels: Record<string, string> }).labels };
    await expectOk(call(base, 'POST', COLLECTION, { ...object, metadata, spec: { ...(object.spec as object), hostRef: NAMESPACE } }), `create app-${i}`);
    await expectOk(call(base, 'PATCH', `${COLLECTION}/app-${i}/status`, { status: object.status }, 'application/merge-patch+json'), `status of app-${i}`);
  });
}

async function listLatency(base: Endpoint, query: string): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let run = 0; run < LIST_RUNS; run += 1) {
    const started = performance.now();
    const answer = await expectOk(call(base, 'GET', `${COLLECTION}${query}`), 'list');
    // Until the last byte arrived; checking the content is not part of the answer's time.
    samples.push(performance.now() - started);
    const items = (JSON.parse(answer.body) as { items: unknown[] }).items.length;
    if (items !== OBJECTS) throw new Error(`listed ${items} objects, expected ${OBJECTS}`);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** Opens a watch stream; calls `onLine` for every line. Resolves once the response headers arrived. */
function openWatch(base: Endpoint, agent: Agent, resourceVersion: string, onLine: (line: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: base.url.hostname, port: base.url.port, method: 'GET', agent, headers: base.headers,
      path: `${COLLECTION}?watch=true&resourceVersion=${resourceVersion}&timeoutSeconds=600`,
    }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch answered ${res.statusCode}`));
        return;
      }
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          onLine(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
      });
      res.on('error', () => undefined);
      resolve(() => req.destroy());
    });
    req.on('error', reject);
    req.end();
  });
}

/** Each write carries its start time in an annotation; every watcher records how long after that it got the event. */
async function deliveryLatency(base: Endpoint): Promise<{ p50: number; p99: number; connections: number }> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const list = await expectOk(call(base, 'GET', `${COLLECTION}?limit=1`), 'list for the watch start');
  const resourceVersion = (JSON.parse(list.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const samples: number[] = [];
  const pattern = new RegExp(`"${SENT_AT.replaceAll('.', '\\.')}":"([0-9.]+)"`);
  let received = 0;
  const closers = await Promise.all(Array.from({ length: WATCHERS }, () => openWatch(base, agent, resourceVersion, (line) => {
    const match = pattern.exec(line);
    if (match === null || match[1] === undefined) return;
    samples.push(performance.now() - Number(match[1]));
    received += 1;
  })));
  try {
    for (let i = 0; i < WATCHED_WRITES; i += 1) {
      const patch = { metadata: { annotations: { [SENT_AT]: String(performance.now()) } } };
      await expectOk(call(base, 'PATCH', `${COLLECTION}/app-${i % OBJECTS}`, patch, 'application/merge-patch+json'), 'watched write');
      await sleep(WRITE_SPACING_MS);
    }
    const deadline = Date.now() + 30_000;
    while (received < WATCHERS * WATCHED_WRITES && Date.now() < deadline) await sleep(20);
    if (received !== WATCHERS * WATCHED_WRITES) throw new Error(`got ${received} deliveries, expected ${WATCHERS * WATCHED_WRITES}`);
  } finally {
    for (const close of closers) close();
    agent.destroy();
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), connections: closers.length };
}

async function getThroughput(base: Endpoint): Promise<string> {
  const started = performance.now();
  await pool(GET_REQUESTS, GET_CONCURRENCY, async (i) => {
    await expectOk(call(base, 'GET', `${COLLECTION}/app-${i % OBJECTS}`), 'get');
  });
  return perSecond(GET_REQUESTS, performance.now() - started);
}

interface Figures {
  consistent: { p50: number; p99: number };
  cached: { p50: number; p99: number };
  delivery: { p50: number; p99: number; connections: number };
  gets: string;
}

/** Every measure against one `vigil serve`, started and stopped here. */
async function measure(auth: 'on' | 'off'): Promise<Figures> {
  const server = await startVigil({ auth });
  try {
    const base: Endpoint = { url: new URL(server.url), headers: server.headers() };
    await populate(base);
    const consistent = await listLatency(base, '');
    const cached = await listLatency(base, '?resourceVersion=0');
    const gets = await getThroughput(base);
    const delivery = await deliveryLatency(base);
    return { consistent, cached, gets, delivery };
  } finally {
    await server.stop();
  }
}

export async function apiBenchmark(): Promise<string> {
  const loadBefore = loadavg()[0] ?? 0;
  try {
    // Authentication as users run Vigil (every request carries an API token), and off, to show what it costs.
    const runs = [await measure('on'), await measure('off')];
    const each = (pick: (figures: Figures) => string): string[] => runs.map(pick);
    const rows: Row[] = [
      { measure: `list ${OBJECTS.toLocaleString('en')} Containers (as kubectl: consistent read), p50`, values: each((f) => ms(f.consistent.p50)) },
      { measure: `list ${OBJECTS.toLocaleString('en')} Containers (as kubectl: consistent read), p99`, values: each((f) => ms(f.consistent.p99)), target: '≤ 50 ms' },
      { measure: `list ${OBJECTS.toLocaleString('en')} Containers (resourceVersion=0, as informers: watch cache), p50`, values: each((f) => ms(f.cached.p50)) },
      { measure: `list ${OBJECTS.toLocaleString('en')} Containers (resourceVersion=0, as informers: watch cache), p99`, values: each((f) => ms(f.cached.p99)), target: '≤ 50 ms' },
      { measure: `write-to-delivery, ${WATCHERS.toLocaleString('en')} watch connections, p50`, values: each((f) => ms(f.delivery.p50)) },
      { measure: `write-to-delivery, ${WATCHERS.toLocaleString('en')} watch connections, p99`, values: each((f) => ms(f.delivery.p99)), target: '≤ 100 ms' },
      { measure: `GET of one Container, ${GET_CONCURRENCY} in flight`, values: each((f) => f.gets) },
    ];
    return [
      '## Resource API over HTTP (issue 3)',
      '',
      `\`vigil serve\` (embedded store) in its own process, with authentication on (every request carries the admin's API token) and off; the client (plain node:http, keep-alive) in the benchmark's. ` +
        `${OBJECTS.toLocaleString('en')} Containers of ~1.7 KB JSON in one namespace. Lists: ${LIST_RUNS} sequential requests each, timed to the last byte of the body (about 1.7 MB). ` +
        `Delivery: ${WATCHED_WRITES} merge patches ${WRITE_SPACING_MS} ms apart, each timed from just before the PATCH to the arrival of its MODIFIED line ` +
        `on every one of ${WATCHERS.toLocaleString('en')} concurrent watch connections (${(WATCHERS * WATCHED_WRITES).toLocaleString('en')} deliveries; both processes share the 2 cores). ` +
        `GET: ${GET_REQUESTS.toLocaleString('en')} requests. ` +
        // p99 figures on a 2-core machine move with whatever else runs on it; the load says how quiet it was.
        `Load average (1 min) at the start and the end: ${loadBefore.toFixed(1)}, ${(loadavg()[0] ?? 0).toFixed(1)}.`,
      '',
      table(['auth on (API token)', 'auth off'], rows),
    ].join('\n');
  } finally {
    keepAlive.destroy();
  }
}
