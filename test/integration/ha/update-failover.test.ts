// The leader killed (kill -9) in the middle of a container update, on a real engine and registry: two `vigil serve`
// replicas on one etcd; the first leads and pauses its update right after creating the new container
// (VIGIL_FAILPOINTS=update-after=create, set on that replica only), where it is killed. The other replica leads within
// the lease and finishes the update from the operation persisted in the Container's status: one container under the
// name, on the new image, no recovery copy, and one UpdateRecord. Processes: dockerd, the registry, one etcd member,
// two replicas.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Container, UpdateRecord } from '../../../schemas/generated/types.ts';
import { startEtcdCluster, type EtcdCluster } from '../../testbed/etcd.ts';
import { startVigilReplicas, waitForOneLeader, type Replica, type ReplicaSet } from '../../testbed/replicas.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';

const GROUP = '/apis/vigil.dev/v1alpha1';
const TERMINAL = new Set(['Succeeded', 'Skipped', 'RolledBack', 'Failed']);

async function api<T>(replica: Replica, method: string, path: string, body?: unknown): Promise<T | undefined> {
  const response = await fetch(`${replica.url}${GROUP}${path}`, {
    method,
    headers: { ...replica.headers(), ...(body === undefined ? {} : { 'content-type': 'application/merge-patch+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(deadlines.request),
  });
  if (response.status === 404 && method === 'GET') return undefined;
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} on ${replica.name}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

function logOf(replica: Replica): string {
  const file = join(replica.dataDir, 'vigil.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = deadlines.containerCondition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the leader killed in the middle of an update', () => {
  let bed: UpdateTestbed;
  let etcd: EtcdCluster;
  let set: ReplicaSet;
  before(async () => {
    bed = await startUpdateTestbed('ha-update');
    // One member is enough here: this file is about the replicas, etcd-faults.test.ts about etcd's members.
    etcd = await startEtcdCluster(1);
    set = await startVigilReplicas({
      etcd,
      count: 2,
      args: ['--docker-host', bed.engine.host],
      envFor: (name): Record<string, string> => (name === 'r0' ? { VIGIL_FAILPOINTS: 'update-after=create' } : {}),
    });
  });
  after(async () => {
    await set?.stop();
    await etcd?.cleanup();
    await bed?.cleanup();
  });

  test('another replica leads within the lease and finishes it: one container on the new image, one UpdateRecord', async (t) => {
    const [first, second] = set.replicas;
    assert.ok(first !== undefined && second !== undefined);
    // r0 started alone, so it leads; only it has the failpoint.
    assert.equal(await waitForOneLeader(set.replicas), first);
    const name = 'web';
    await bed.engine.docker(['run', '-d', '--name', name, '--label', 'sentinel.grace-period=0s', bed.oldReference]);
    await eventually(`${name} discovered with a grace period of 0s`, async () => {
      const found = await api<Container>(second, 'GET', `/namespaces/local/containers/${name}`);
      return found?.status?.effective?.gracePeriod?.value === '0s' ? found : undefined;
    });
    // The request written through the follower: any replica takes requests, the leader acts on them.
    const requestedAt = new Date().toISOString();
    await api(second, 'PATCH', `/namespaces/local/containers/${name}`, { spec: { update: { requestedAt, reason: 'ChosenTag', tag: '2' } } });
    await eventually('the failpoint reached on the leader', async () => (logOf(first).includes('failpoint reached') ? true : undefined));
    const killedAt = Date.now();
    await first.kill();
    assert.equal(await waitForOneLeader([second]), second);
    t.diagnostic(`${second.name} leads ${Date.now() - killedAt} ms after kill -9 of ${first.name} (lease ${set.leaseTtlSeconds} s)`);

    const converged = await eventually(`${name}'s update ended and recorded`, async () => {
      const found = await api<Container>(second, 'GET', `/namespaces/local/containers/${name}`);
      const operation = found?.status?.operation;
      return operation !== undefined && TERMINAL.has(operation.phase) && found?.status?.lastUpdate?.record !== undefined ? found : undefined;
    });
    assert.equal(converged.status?.operation?.phase, 'Succeeded');
    assert.equal(converged.status?.handledRequests?.update, requestedAt);
    const names = (await bed.engine.docker(['ps', '-a', '--format', '{{.Names}}', '--filter', `name=^${name}`])).trim().split('\n').sort();
    assert.deepEqual(names, [name], 'exactly one container, no recovery copy');
    const holder = await bed.inspect(name);
    assert.equal((holder.Config as { Image: string }).Image, bed.newReference);
    assert.equal((holder.State as { Running: boolean }).Running, true);
    const records = (await api<{ items: UpdateRecord[] }>(second, 'GET', '/namespaces/local/updaterecords'))?.items ?? [];
    const ours = records.filter((record) => record.spec.containerName === name && record.spec.type === 'update');
    assert.equal(ours.length, 1, `one record of the update: ${JSON.stringify(ours.map((record) => record.metadata.name))}`);
    assert.equal(ours[0]?.spec.outcome, 'success');
    assert.equal(ours[0]?.spec.newImage, bed.newReference);
  });
});
