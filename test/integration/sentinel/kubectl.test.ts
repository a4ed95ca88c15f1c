// The facade keeps no state of its own: against a real `vigil serve`, a change made with kubectl shows in
// GET /api/containers and on GET /api/events at once, a policy set through REST shows in `kubectl get`, and a dashboard
// that reconnects with Last-Event-ID hears what it missed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kubectl } from '../../testbed/kubectl.ts';
import { startVigil, type VigilServer } from '../../testbed/vigil.ts';
import { openEvents as openEventStream, type EventStream, type Frame } from './event-stream.ts';

let server: VigilServer;
let kubectl: Kubectl;

async function openEvents(headers: Record<string, string> = {}): Promise<EventStream> {
  return await openEventStream(server.url, { ...server.headers(), ...headers });
}

async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; json: <T>() => T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...server.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: <T>() => JSON.parse(text) as T };
}

async function listed(name: string): Promise<Record<string, unknown> | undefined> {
  return (await rest('GET', '/api/containers')).json<Array<Record<string, unknown>>>().find((entry) => entry.name === name);
}

function isPolicyChange(to: string): (frame: Frame) => boolean {
  return (frame) => frame.event === 'policy_change' && (JSON.parse(frame.data ?? '{}') as { message?: string }).message?.endsWith(`to ${to}`) === true;
}

before(async () => {
  server = await startVigil();
  kubectl = new Kubectl(server.kubeconfig);
  // A container as the inventory would have found it: the resource by kubectl, its status as a controller writes it.
  const manifest = join(server.dataDir, 'web.json');
  writeFileSync(manifest, JSON.stringify({
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: 'web', namespace: 'local' },
    spec: { hostRef: 'local', containerName: 'web', policy: 'manual' },
  }));
  await kubectl.ok(['apply', '-f', manifest]);
  const status = await fetch(`${server.url}/apis/vigil.dev/v1alpha1/namespaces/local/containers/web/status`, {
    method: 'PATCH',
    headers: { ...server.headers(), 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ status: { id: 'f'.repeat(64), name: 'web', image: 'nginx:1.27.4', state: 'running', health: 'none' } }),
  });
  assert.equal(status.status, 200, await status.text());
});

after(async () => {
  await kubectl?.close();
  await server?.stop();
});

test('the event stream starts with connected; a kubectl patch shows in GET /api/containers and as a policy_change event', async () => {
  const events = await openEvents();
  try {
    await events.waitFor((frame) => frame.event !== undefined, 'first frame');
    assert.deepEqual(events.frames[0], { event: 'connected', data: '{}' });
    assert.equal((await listed('web'))?.policy, 'manual');
    await kubectl.ok(['patch', 'container', 'web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"policy":"pinned"}}']);
    assert.equal((await listed('web'))?.policy, 'pinned');
    const frame = await events.waitFor(isPolicyChange('pinned'), 'policy_change to pinned');
    assert.match(frame.id ?? '', /^\d+$/, 'every event carries the store revision as its id');
    const data = JSON.parse(frame.data ?? '{}') as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ['container_name', 'message', 'timestamp', 'type']);
    assert.deepEqual({ type: data.type, container_name: data.container_name, message: data.message }, { type: 'policy_change', container_name: 'web', message: 'policy of web changed from manual to pinned' });
    assert.ok(!Number.isNaN(Date.parse(String(data.timestamp))));
  } finally {
    events.close();
  }
});

test('a policy set through REST shows in kubectl get; a client reconnecting with Last-Event-ID hears what it missed', async () => {
  const seen = await openEvents();
  let lastSeen: string | undefined;
  try {
    await kubectl.ok(['patch', 'container', 'web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"policy":"manual"}}']);
    lastSeen = (await seen.waitFor(isPolicyChange('manual'), 'policy_change to manual')).id;
  } finally {
    seen.close();
  }
  // While no dashboard listens, REST changes the policy.
  const set = await rest('POST', '/api/containers/web/policy', { policy: 'auto' });
  assert.equal(set.status, 200);
  assert.equal(await kubectl.ok(['get', 'container', 'web', '-n', 'local', '-o', 'jsonpath={.spec.policy}']), 'auto');
  const resumed = await openEvents({ 'last-event-id': String(lastSeen) });
  try {
    const missed = await resumed.waitFor(isPolicyChange('auto'), 'the missed policy_change to auto');
    assert.ok(Number(missed.id) > Number(lastSeen));
    assert.equal(resumed.frames[0]?.event, 'connected');
    assert.ok(!resumed.frames.some(isPolicyChange('manual')), 'nothing seen before is sent again');
  } finally {
    resumed.close();
  }
});
