// Issue 9's GitOps figures: one ManifestSource over a tree of 1,000 objects (200 files of 5 documents: policies,
// hooks, Containers on two hosts, Secrets, Registries), passes run by the server's SourceReconciler against the
// in-process client on the embedded store behind the watch cache, as `vigil serve --manifests` runs them. Writes
// are counted from the store's revision, objects written from their resourceVersions.
import { join } from 'node:path';
import { CachedStore } from '../../apiserver/storage/cache/cached-store.ts';
import { embeddedStorePath, openEmbeddedStore } from '../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../apiserver/resources/registry.ts';
import { SourceReconciler } from '../../controllers/gitops/source-reconciler.ts';
import { systemClock } from '../../controllers/runtime/index.ts';
import { makeTempDir, removeTempDir } from '../testbed/daemon.ts';
import { writeFiles } from '../integration/gitops/fixtures.ts';
import { ms, percentile, table, type Row } from './stats.ts';

const FILES = 200;
const PER_FILE = 5;
const RUNS = 5;

function document(file: number, index: number, variant: string): string {
  const n = file * PER_FILE + index;
  switch (n % 5) {
    case 0: return `apiVersion: vigil.dev/v1alpha1\nkind: UpdatePolicy\nmetadata:\n  name: policy-${n}\nspec:\n  containerNames: [app-${n}-*]\n  policy: ${variant}\n  versionScope: minor\n  priority: ${n % 100}\n`;
    case 1: return `apiVersion: vigil.dev/v1alpha1\nkind: Hook\nmetadata:\n  name: hook-${n}\nspec:\n  containerNames: [db-${n}]\n  phase: pre-update\n  command: [sh, -c, "pg_dump > /backup/${n}.sql"]\n  timeoutSeconds: 120\n`;
    case 2: return `apiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: app-${n}\n  namespace: ${n % 2 === 0 ? 'nas' : 'pi'}\nspec:\n  policy: pinned\n  ignoredVersions: ["1.0.${n}"]\n`;
    case 3: return `apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-${n}\n  namespace: vigil-system\nstringData:\n  token: token-${n}\n`;
    default: return `apiVersion: vigil.dev/v1alpha1\nkind: Registry\nmetadata:\n  name: registry-${n}\nspec:\n  server: registry-${n}.example.net\n  credentials:\n    username: bot\n    passwordSecretRef: { name: secret-${n - 1}, key: token }\n`;
  }
}

function file(index: number, variant = 'auto'): string {
  return Array.from({ length: PER_FILE }, (_, i) => document(index, i, variant)).join('---\n');
}

interface Measured {
  ms: number;
  writes: number;
  objectsWritten: number;
}

export async function gitopsBenchmark(): Promise<string> {
  const dir = makeTempDir('bench-gitops');
  const tree = join(dir, 'manifests');
  writeFiles(tree, Object.fromEntries(Array.from({ length: FILES }, (_, i) => [`apps/file-${String(i).padStart(3, '0')}.yaml`, file(i)])));
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: embeddedStorePath(dir) }) });
  try {
    const client = new ResourceRegistry({ store });
    await client.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'ManifestSource', metadata: { name: 'bench' }, spec: { directory: tree, prune: true } });
    const reconciler = new SourceReconciler({ client, clock: systemClock });
    const versions = async (): Promise<Map<string, string>> => {
      const all = new Map<string, string>();
      for (const kind of ['UpdatePolicy', 'Hook', 'Container', 'Secret', 'Registry']) {
        for (const item of (await client.list(kind)).items) all.set(`${kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`, item.metadata.resourceVersion ?? '');
      }
      return all;
    };
    const measure = async (): Promise<Measured> => {
      const before = await versions();
      const revision = await store.currentRevision();
      const started = performance.now();
      const result = await reconciler.reconcile('bench');
      const elapsed = performance.now() - started;
      if (result.outcome?.ok !== true) throw new Error(`the pass failed: ${result.outcome?.message ?? 'no outcome'}`);
      const after = await versions();
      const objectsWritten = [...after].filter(([key, version]) => before.get(key) !== version).length;
      return { ms: elapsed, writes: (await store.currentRevision()) - revision, objectsWritten };
    };
    const first = await measure();
    await measure(); // the results move from "created" to "unchanged": one status write
    const noop: Measured[] = [];
    for (let run = 0; run < RUNS; run += 1) noop.push(await measure());
    const change: Measured[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      writeFiles(tree, { 'apps/file-100.yaml': file(100, run % 2 === 0 ? 'manual' : 'auto') });
      change.push(await measure());
    }
    const median = (list: Measured[], pick: (m: Measured) => number): number => percentile(list.map(pick), 50);
    const rows: Row[] = [
      { measure: 'first sync: time', values: [ms(first.ms)] },
      { measure: 'first sync: objects written / store writes', values: [`${first.objectsWritten} / ${first.writes}`] },
      { measure: `no-op resync: time (median of ${RUNS})`, values: [ms(median(noop, (m) => m.ms))] },
      { measure: 'no-op resync: objects written / store writes (most of any run)', values: [`${Math.max(...noop.map((m) => m.objectsWritten))} / ${Math.max(...noop.map((m) => m.writes))}`], target: '0 / 0' },
      { measure: `one-file change: time (median of ${RUNS})`, values: [ms(median(change, (m) => m.ms))] },
      { measure: 'one-file change: objects written / store writes (most of any run)', values: [`${Math.max(...change.map((m) => m.objectsWritten))} / ${Math.max(...change.map((m) => m.writes))}`], target: '1 / 1 + status' },
    ];
    return `## GitOps: a tree of ${FILES * PER_FILE} objects\n\n${FILES} files of ${PER_FILE} documents (UpdatePolicies, Hooks, Containers on two hosts, Secrets, Registries), one ManifestSource, passes by the server's SourceReconciler on the embedded store. Store writes include the ManifestSource's status: Reconciling, then the result.\n\n${table(['vigil (in process)'], rows)}`;
  } finally {
    await store.close();
    removeTempDir(dir);
  }
}
