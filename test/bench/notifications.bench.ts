// Issue 14's notification figures, on a real `vigil serve` child process (embedded store, authentication on) and a
// local HTTP receiver in the benchmark's process (the webhook channel, no batching):
// - event to delivery: an UpdateRecord created through the resource API, timed from just before the POST to its
//   arrival in full at the receiver (both clocks are this process's performance.now()); one event at a time, so the
//   figure is the pipeline's latency (informer → outbox resource → drain → HTTP), not a queue's;
// - memory: after a full GC (through the server's inspector), read from the server's own /metrics
//   (process_resident_memory_bytes, nodejs_heap_size_used_bytes): with the outbox empty, after a control step of
//   delivered events (what their history costs), with 1,000 deliveries pending to a receiver that is down, and after
//   two steps of 500 more (the bound is 1,000: as many of the oldest are dropped, counted and reported);
// - the drops as the channel's status, the metrics and the activity log count them.
import { startHttpReceiver, type HttpReceiver } from '../testbed/http-receiver.ts';
import { startVigil, type VigilChild } from '../testbed/vigil.ts';
import { apiOk, channelStatus, createRecord, createWebhookChannel, eventually } from '../integration/notifications/fixtures.ts';
import { freePort } from '../testbed/daemon.ts';
import { deadlines } from '../testbed/deadlines.ts';
import { mib, ms, percentile, table, type Row } from './stats.ts';

const EVENTS = 300;
const WARMUP = 10;
const PENDING = 1_000;
const OVER_BOUND_STEP = 500;

async function metricsText(vigil: VigilChild): Promise<string> {
  const response = await fetch(`${vigil.url}/metrics`, { headers: vigil.headers(), signal: AbortSignal.timeout(deadlines.request) });
  if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
  return await response.text();
}

/** The value of the first sample whose line starts with `prefix` (name and labels). */
function sample(text: string, prefix: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

interface Memory {
  rss: number;
  heap: number;
}

/**
 * A full garbage collection in the server, through its inspector (the Chrome DevTools protocol's
 * HeapProfiler.collectGarbage), so the heap figure is what is live, not what the collector has not got to yet.
 */
async function collectGarbage(inspectorPort: number): Promise<void> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`, { signal: AbortSignal.timeout(deadlines.request) })).json() as Array<{ webSocketDebuggerUrl?: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error('the server has no inspector target');
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer to HeapProfiler.collectGarbage')), deadlines.request);
      socket.addEventListener('message', (event) => {
        if ((JSON.parse(String(event.data)) as { id?: number }).id === 1) {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    socket.close();
  }
}

async function memory(vigil: VigilChild, inspectorPort: number): Promise<Memory> {
  await collectGarbage(inspectorPort);
  const text = await metricsText(vigil);
  return { rss: sample(text, 'process_resident_memory_bytes '), heap: sample(text, 'nodejs_heap_size_used_bytes ') };
}

async function createAll(vigil: VigilChild, prefix: string, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await createRecord(vigil, `${prefix}-${String(index).padStart(5, '0')}`);
}

export async function notificationsBenchmark(): Promise<string> {
  const receiver: HttpReceiver = await startHttpReceiver();
  const inspectorPort = await freePort();
  // As cli/vigil.ts's shebang runs it (the test bed starts `node cli/vigil.ts`, without the shebang's flag), with the
  // inspector on loopback for the garbage collections before each memory reading.
  const vigil = await startVigil({ env: { VIGIL_METRICS: 'true', NODE_OPTIONS: `--max-semi-space-size=2 --inspect=127.0.0.1:${inspectorPort}` } });
  try {
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/hook`, ['update_succeeded', 'update_failed'], 3);
    const started = await memory(vigil, inspectorPort);
    const arrived = (name: string) => (request: { headers: Record<string, unknown> }): boolean => request.headers['x-vigil-delivery'] === `hook/record/local/${name}`;

    const latencies: number[] = [];
    for (let index = 0; index < WARMUP + EVENTS; index += 1) {
      const name = `latency-${String(index).padStart(5, '0')}`;
      const started = performance.now();
      await createRecord(vigil, name);
      const [request] = await receiver.waitFor(1, arrived(name));
      if (request === undefined) throw new Error(`${name} did not arrive`);
      if (index >= WARMUP) latencies.push(request.receivedAt - started);
    }
    await eventually('the outbox is empty', async () => ((await channelStatus(vigil, 'hook')).pending === 0 ? true : undefined));
    const idle = await memory(vigil, inspectorPort);
    // The control: as many more events as one overflow step, delivered (the outbox stays empty). What they cost is the
    // history (every event is an UpdateRecord), which an overflow step adds as well.
    await createAll(vigil, 'control', OVER_BOUND_STEP);
    await receiver.waitFor(OVER_BOUND_STEP, (request) => String(request.headers['x-vigil-delivery'] ?? '').startsWith('hook/record/local/control-'), deadlines.condition * 2);
    await eventually('the outbox is empty', async () => ((await channelStatus(vigil, 'hook')).pending === 0 ? true : undefined));
    const control = await memory(vigil, inspectorPort);

    await receiver.down();
    const fillStarted = performance.now();
    await createAll(vigil, 'pending', PENDING);
    await eventually(`${PENDING} are pending`, async () => ((await channelStatus(vigil, 'hook')).pending === PENDING ? true : undefined));
    const fillMs = performance.now() - fillStarted;
    const full = await memory(vigil, inspectorPort);
    const overflow = async (step: number): Promise<{ memory: Memory; status: { pending?: number; droppedCount?: number } | undefined }> => {
      await createAll(vigil, `over${step}`, OVER_BOUND_STEP);
      const status = await eventually(`${OVER_BOUND_STEP * step} dropped`, async () => {
        const current = await apiOk<{ status?: { pending?: number; droppedCount?: number } }>(vigil, 'GET', '/apis/vigil.dev/v1alpha1/notificationchannels/hook');
        return (current.status?.droppedCount ?? 0) >= OVER_BOUND_STEP * step ? current.status : undefined;
      }, deadlines.condition * 2);
      return { memory: await memory(vigil, inspectorPort), status };
    };
    const half = await overflow(1);
    const { memory: over, status } = await overflow(2);
    const activity = await apiOk<{ items: Array<{ spec: { notification?: { dropped?: number } } }> }>(vigil, 'GET', '/apis/vigil.dev/v1alpha1/namespaces/vigil-system/updaterecords?labelSelector=vigil.dev%2Frecord-type%3Dnotification');
    const reportedDrops = activity.items.reduce((sum, item) => sum + (item.spec.notification?.dropped ?? 0), 0);
    const metrics = await metricsText(vigil);
    const droppedMetric = sample(metrics, 'vigil_notification_deliveries_total{channel_type="webhook",event_type="update_succeeded",outcome="dropped"}');
    const pendingMetric = sample(metrics, 'vigil_notification_pending{channel="hook"}');

    const rows: Row[] = [
      { measure: `event → delivery, ${EVENTS} events one at a time, p50`, values: [ms(percentile(latencies, 50))] },
      { measure: `event → delivery, ${EVENTS} events one at a time, p99`, values: [ms(percentile(latencies, 99))], target: '≤ 1 s' },
      { measure: `event → delivery, max`, values: [ms(Math.max(...latencies))] },
      { measure: 'RSS / heap used, at start (one channel, no events yet)', values: [`${mib(started.rss)} / ${mib(started.heap)}`] },
      { measure: `RSS / heap used, after the ${WARMUP + EVENTS} delivered events (outbox empty)`, values: [`${mib(idle.rss)} / ${mib(idle.heap)}`] },
      { measure: `RSS / heap used, ${OVER_BOUND_STEP} more events delivered (control: outbox empty)`, values: [`${mib(control.rss)} / ${mib(control.heap)}`] },
      { measure: `heap growth of those ${OVER_BOUND_STEP} delivered events (their history)`, values: [`+${mib(control.heap - idle.heap)}`] },
      { measure: `RSS / heap used, ${PENDING} pending to a channel that is down`, values: [`${mib(full.rss)} / ${mib(full.heap)}`] },
      { measure: `RSS / heap used, ${OVER_BOUND_STEP} more events (over the bound: as many dropped)`, values: [`${mib(half.memory.rss)} / ${mib(half.memory.heap)}`] },
      { measure: `RSS / heap used, ${OVER_BOUND_STEP * 2} more events (over the bound: as many dropped)`, values: [`${mib(over.rss)} / ${mib(over.heap)}`] },
      { measure: `heap growth per ${OVER_BOUND_STEP} events over the bound (mean of the two steps)`, values: [`+${mib((over.heap - full.heap) / 2)}`], target: 'no more than the control' },
      { measure: 'pending after the overflow (status / metric)', values: [`${status?.pending ?? 'none'} / ${pendingMetric}`], target: `${PENDING}` },
      { measure: 'dropped (status droppedCount / deliveries_total{outcome="dropped"})', values: [`${status?.droppedCount ?? 'none'} / ${droppedMetric}`], target: `${OVER_BOUND_STEP * 2}` },
      { measure: 'drops in the activity log (entries / deliveries they name; the rest of the last minute is still to come)', values: [`${activity.items.length} / ${reportedDrops}`], target: '≤ 1 entry a minute' },
      { measure: `time to take ${PENDING} events into the outbox (sequential creates)`, values: [`${(fillMs / 1000).toFixed(1)} s`] },
    ];
    return `## Notifications (issue 14)\n\n\`vigil serve\` (embedded store, authentication on) and a local HTTP receiver (the webhook channel, no batching, retries 3). Event → delivery: an UpdateRecord created through the resource API, timed from before the POST to its arrival at the receiver, one at a time (${WARMUP} warm-up events not counted). Memory: the server's own process_resident_memory_bytes and nodejs_heap_size_used_bytes (each after a full garbage collection through the server's inspector; the server runs with --max-semi-space-size=2 as the shebang of cli/vigil.ts sets it) with the receiver down; every event is also an UpdateRecord, kept as history in the store and the informer cache.\n\n${table(['vigil serve'], rows)}`;
  } finally {
    await vigil.stop();
    await receiver.close();
  }
}
