// The REST facade as tests drive it: the real app (buildApp) over a real embedded store behind the watch cache, with
// authentication on (the admin's token by default), and what the controllers would have written made directly through
// the registry: Containers with their status, UpdateRecords, Snapshots, Settings.
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import type { SentinelServices } from '../../../apiserver/sentinel/context.ts';
import type { ContainerSpec, ContainerStatus, SettingsSpec, SettingsStatus, UpdateRecordSpec } from '../../../schemas/generated/types.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';
import { startApi, type Response, type TestApi } from '../apiserver/fixtures/api.ts';

export type { TestApi, Response } from '../apiserver/fixtures/api.ts';

export async function startFacade(sentinel: SentinelServices = {}): Promise<TestApi> {
  return await startApi({ app: { sentinel } });
}

export interface ContainerFixture {
  /** Docker name. */
  name: string;
  host?: string;
  spec?: ContainerSpec;
  status?: ContainerStatus;
}

let ids = 0;

/** A Container as the inventory controller creates it: spec.containerName/hostRef and a running status. */
export async function addContainer(api: TestApi, fixture: ContainerFixture): Promise<ResourceObject> {
  const host = fixture.host ?? 'local';
  ids += 1;
  const id = ids.toString(16).padStart(64, '0');
  const status: ContainerStatus = {
    id,
    name: fixture.name,
    image: 'nginx:1.27.4',
    imageID: `sha256:${'a'.repeat(64)}`,
    state: 'running',
    health: 'none',
    labels: {},
    effective: { policy: { value: 'manual', source: 'default' } },
    ...fixture.status,
  };
  return await api.resources.create(
    {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Container',
      metadata: { name: containerResourceName(fixture.name), namespace: host },
      spec: { containerName: fixture.name, hostRef: host, ...fixture.spec },
      status,
    },
    { includeStatus: true, fieldManager: 'vigil-inventory' },
  );
}

/** What a controller does: replaces the status (through /status). */
export async function setStatus(api: TestApi, name: string, change: (status: ContainerStatus) => ContainerStatus, host = 'local'): Promise<void> {
  await api.resources.modify('Container', host, containerResourceName(name), (current) => ({ ...current, status: change({ ...(current.status as ContainerStatus) }) }), {
    subresource: 'status',
    fieldManager: 'vigil-inventory',
  });
}

export async function getContainer(api: TestApi, name: string, host = 'local'): Promise<{ spec: ContainerSpec; status: ContainerStatus } & ResourceObject> {
  return (await api.resources.get('Container', host, containerResourceName(name))) as { spec: ContainerSpec; status: ContainerStatus } & ResourceObject;
}

export async function addRecord(api: TestApi, spec: UpdateRecordSpec, host = 'local'): Promise<ResourceObject> {
  return await api.resources.create({
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { generateName: `${spec.container ?? 'scan'}-`, namespace: host },
    spec,
  });
}

export async function addSnapshot(api: TestApi, owner: ResourceObject, takenAt: string, image: string): Promise<ResourceObject> {
  const status = owner.status as ContainerStatus;
  return await api.resources.create({
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Snapshot',
    metadata: {
      generateName: `${owner.metadata.name ?? ''}-`,
      namespace: owner.metadata.namespace,
      ownerReferences: [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true }],
    },
    spec: { containerName: status.name ?? '', containerID: status.id ?? 'x', image, imageID: `sha256:${'b'.repeat(64)}`, takenAt, reason: 'pre-update', inspect: {} },
  });
}

export async function putSettings(api: TestApi, spec: SettingsSpec, status?: SettingsStatus): Promise<void> {
  await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec, ...(status === undefined ? {} : { status }) }, { includeStatus: true });
}

/** Asserts the REST error envelope with a status, and that the message matches; returns the message. */
export function assertError(response: Response, status: number, message: RegExp): string {
  assert.equal(response.status, status, response.text);
  const body = response.json<Record<string, unknown>>();
  assert.deepEqual(Object.keys(body), ['error'], response.text);
  assert.equal(typeof body.error, 'string');
  assert.match(String(body.error), message);
  return String(body.error);
}

/** Asserts every listed field has the JavaScript type given (`array` for arrays, `null`). */
export function assertShape(value: unknown, shape: Record<string, 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null'>, what = 'answer'): void {
  assert.ok(typeof value === 'object' && value !== null, `${what} is an object`);
  const record = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(shape)) {
    const actual = record[field];
    const actualType = actual === null ? 'null' : Array.isArray(actual) ? 'array' : typeof actual;
    assert.equal(actualType, type, `${what}.${field} is a ${type}: ${JSON.stringify(actual)}`);
  }
}

export const DIGEST_A = `sha256:${'1'.repeat(64)}`;
export const DIGEST_B = `sha256:${'2'.repeat(64)}`;
