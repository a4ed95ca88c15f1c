// The ownership contract of docs/gitops.md end to end, on a real `vigil serve --manifests DIR` child process, a real
// engine and a real registry: git says web is `auto` within minor versions; a scan finds 1.1.0 and the update
// controller replaces the container; the next sync (a new revision of the manifests) keeps what the update did — the
// container on 1.1.0, status.lastUpdate, one UpdateRecord, no second update or rollback — while a policy a person
// changed by hand is restored from git and reported as driftCorrected.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import type { ContainerStatus, ManifestSourceStatus } from '../../../schemas/generated/types.ts';
import { writeFiles } from './fixtures.ts';
import { deadlines } from '../../testbed/deadlines.ts';

const GROUP = '/apis/vigil.dev/v1alpha1';
const CONTAINER = `${GROUP}/namespaces/local/containers/web`;
/** What git sets on web: the whole of its configuration. */
const GIT_SPEC = { policy: 'auto', versionScope: 'minor', gracePeriod: '1s' };

function webManifest(comment: string): string {
  return `# ${comment}\napiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: web\n  namespace: local\nspec:\n  policy: auto\n  versionScope: minor\n  gracePeriod: 1s\n`;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = deadlines.containerCondition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(200);
  }
}

describe('an auto-update under a policy from git survives the next sync; a hand edit of git\'s policy does not', () => {
  const work = makeTempDir('gitops-e2e');
  const manifests = join(work, 'manifests');
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let oldImageID = '';
  let newImageID = '';

  before(async () => {
    bed = await startUpdateTestbed('gitops-e2e');
    const oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    const newReference = await bed.publish('1.1.0', NEW_IMAGE);
    oldImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', oldReference])).trim();
    newImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', newReference])).trim();
    // As before a real update: the engine has 1.1.0 only in the registry. No labels: the policy comes from git.
    await bed.engine.docker(['rmi', newReference, 'vigil-test/app:1.1.0']);
    await bed.engine.docker(['run', '-d', '--name', 'web', oldReference]);
    writeFiles(manifests, { 'containers/web.yaml': webManifest('revision 1') });
    vigil = await startVigil({ args: ['--manifests', manifests, '--docker-host', bed.engine.host] });
  });

  after(async () => {
    await vigil?.stop();
    await bed?.cleanup();
    removeTempDir(work);
  });

  async function call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const response = await fetch(`${vigil.url}${path}`, {
      method,
      headers: { ...vigil.headers(), ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }

  const web = async (): Promise<ResourceObject> => await call<ResourceObject>('GET', CONTAINER);
  const statusOf = (object: ResourceObject): ContainerStatus => (object.status ?? {}) as ContainerStatus;
  const source = async (): Promise<ManifestSourceStatus> => ((await call<ResourceObject>('GET', `${GROUP}/manifestsources/default`)).status ?? {}) as ManifestSourceStatus;
  const webResult = (status: ManifestSourceStatus) => status.results?.find((result) => result.object === 'Container/local/web');
  /** web's UpdateRecords of type update or rollback, as `type outcome`. */
  const records = async (): Promise<string[]> => {
    const list = await call<{ items: ResourceObject[] }>('GET', `${GROUP}/namespaces/local/updaterecords`);
    return list.items
      .map((item) => item.spec as { type: string; outcome: string; containerName?: string })
      .filter((spec) => spec.containerName === 'web' && (spec.type === 'update' || spec.type === 'rollback'))
      .map((spec) => `${spec.type} ${spec.outcome}`);
  };

  /** The image ID container `name` runs; '' while no container has the name (in the middle of a recreate). */
  async function imageOf(name: string): Promise<string> {
    const id = (await bed.engine.docker(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.ID}}'])).trim();
    return id === '' ? '' : (await bed.engine.docker(['inspect', '--format', '{{.Image}}', id]).catch(() => '')).trim();
  }

  /** Writes a new revision of the manifests (same objects, another comment) and waits for the pass that read it. */
  async function nextRevision(comment: string): Promise<ManifestSourceStatus> {
    const before = (await source()).lastAppliedRevision;
    writeFiles(manifests, { 'containers/web.yaml': webManifest(comment) });
    return await eventually(`the pass over "${comment}"`, async () => {
      const status = await source();
      return status.lastAppliedRevision !== before && status.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True' ? status : undefined;
    }, 30_000);
  }

  test('git\'s auto policy updates web to 1.1.0 after a scan, and the next sync keeps the update', async () => {
    const discovered = await eventually('web from git, discovered on the engine, effective policy auto', async () => {
      const object = await web().catch(() => undefined);
      const status = object === undefined ? undefined : statusOf(object);
      return status?.id !== undefined && status.effective?.policy?.value === 'auto' ? object : undefined;
    });
    assert.equal(statusOf(discovered).effective?.policy?.source, 'spec', 'the policy is git\'s spec, not a default');
    assert.equal(await imageOf('web'), oldImageID);

    await call('POST', '/api/scan');
    await eventually('web running 1.1.0', async () => ((await imageOf('web')) === newImageID ? true : undefined));
    const updated = await eventually('the update recorded in web\'s status', async () => {
      const object = await web();
      return statusOf(object).lastUpdate?.outcome === 'success' ? object : undefined;
    });
    assert.deepEqual(await eventually('the UpdateRecord', async () => ((await records()).length > 0 ? await records() : undefined)), ['update success']);
    const lastUpdate = statusOf(updated).lastUpdate;

    const status = await nextRevision('revision 2');
    assert.equal(webResult(status)?.action, 'unchanged', JSON.stringify(webResult(status)));
    const synced = await web();
    // Git's fields as git has them, plus the inventory's (fields git does not set); nothing else.
    assert.deepEqual(synced.spec, { ...GIT_SPEC, hostRef: 'local', containerName: 'web' });
    assert.deepEqual(statusOf(synced).lastUpdate, lastUpdate, 'status.lastUpdate kept');
    assert.deepEqual(synced.metadata.labels, { 'vigil.dev/managed-by': 'gitops', 'vigil.dev/manifest-source': 'default' });

    // A registry check after the sync finds web up to date on 1.1.0: nothing left to update, nothing rolled back.
    const check = await call<{ status: string }>('POST', '/api/check/web');
    assert.equal(check.status, 'up_to_date', JSON.stringify(check));
    assert.equal(await imageOf('web'), newImageID);
    assert.deepEqual(await records(), ['update success']);
  });

  test('spec.policy changed by hand is restored from git on the next sync, and the status says so', async () => {
    await call('PATCH', `${CONTAINER}?fieldManager=kubectl-edit`, { spec: { policy: 'manual' } }, 'application/merge-patch+json');
    assert.equal(((await web()).spec as { policy: string }).policy, 'manual');
    const status = await nextRevision('revision 3');
    assert.deepEqual(webResult(status), { object: 'Container/local/web', file: 'containers/web.yaml', line: 2, action: 'driftCorrected', drift: { fields: ['.spec.policy'], managers: ['kubectl-edit'] } });
    const restored = await web();
    assert.equal((restored.spec as { policy: string }).policy, 'auto');
    assert.equal(await imageOf('web'), newImageID);
    assert.deepEqual(await records(), ['update success']);
  });
});
