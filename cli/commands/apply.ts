// `vigil apply -f FILE|DIR [-f ...] [-n NS] [--dry-run] [--force-conflicts]`: server-side apply of every object in
// the manifests, with field manager "vigil". The whole set is parsed and validated first: nothing is written
// unless every document is valid. Objects are applied in dependency order (Hosts before Containers...).
// `vigil apply -f DIR --prune [--source NAME]`: one pass of the GitOps loop instead (cli/gitops.ts, docs/gitops.md).
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { ApiException, PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { isObject } from '../../schemas/json.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, loadConnection } from '../client/connection.ts';
import { describeError, runCommand, UsageError } from '../client/errors.ts';
import { objectName } from '../client/kinds.ts';
import { objectApi } from '../client/objects.ts';
import { inApplyOrder, loadManifests, type Manifest } from '../manifests.ts';
import { applyDirectory } from './apply-directory.ts';

export const FIELD_MANAGER = 'vigil';

export const APPLY_USAGE = `Usage: vigil apply -f FILE|DIR [-f FILE|DIR...] [options]

Creates or updates the objects in the manifests (server-side apply, field manager "vigil"). Directories are read
recursively (*.yaml, *.yml, *.json). Every document is validated before anything is written.

  -f, --filename PATH     a manifest file or directory (repeatable)
  -n, --namespace NS      the namespace of namespaced objects that name none
      --dry-run           validate on the server and report, change nothing
      --force-conflicts   take over fields another manager owns instead of failing
      --prune             one GitOps pass over DIR, as vigil serve --manifests does it: field manager
                          "vigil-gitops", ownership labels, and objects this DIR applied before that are gone
                          from it deleted; the inventory is kept in a ManifestSource (spec.suspend: true)
      --source NAME       that ManifestSource (default: the directory's base name)
${CONNECTION_USAGE}`;

interface PlainObject {
  metadata?: { resourceVersion?: string; managedFields?: unknown };
  [field: string]: unknown;
}

/** What an apply changed, ignoring what every apply changes (managedFields times, resourceVersion). */
function essence(object: unknown): unknown {
  if (!isObject(object)) return object;
  const metadata = isObject(object.metadata) ? { ...object.metadata } : {};
  delete metadata.managedFields;
  delete metadata.resourceVersion;
  return { ...object, metadata };
}

/**
 * The apply configuration sent for a manifest. Fields the server owns are left out: an apply carrying
 * managedFields is refused by Kubernetes, and the timestamps of an exported object mean nothing.
 */
function applyConfiguration(manifest: Manifest): KubernetesObject {
  const { creationTimestamp: _created, deletionTimestamp: _deleting, managedFields: _managed, ...metadata } = manifest.object.metadata;
  return { ...manifest.object, metadata };
}

async function readCurrent(api: KubernetesObjectApi, manifest: Manifest): Promise<PlainObject | undefined> {
  const { metadata } = manifest.object;
  try {
    return (await api.read({
      apiVersion: manifest.kind.apiVersion,
      kind: manifest.kind.kind,
      metadata: { name: metadata.name, ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }) },
    })) as PlainObject;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

export async function applyCommand(argv: string[]): Promise<number> {
  return await runCommand('apply', async () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
          ...CONNECTION_OPTIONS,
          filename: { type: 'string', short: 'f', multiple: true },
          namespace: { type: 'string', short: 'n' },
          'dry-run': { type: 'boolean' },
          'force-conflicts': { type: 'boolean' },
          prune: { type: 'boolean' },
          source: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${APPLY_USAGE}`);
    }
    if (values.help === true) {
      process.stdout.write(APPLY_USAGE);
      return 0;
    }
    const paths = values.filename ?? [];
    if (paths.length === 0) throw new UsageError(`-f FILE|DIR is required\n\n${APPLY_USAGE}`);
    if (values.prune === true || values.source !== undefined) {
      if (paths.length !== 1 || values.namespace !== undefined || values['force-conflicts'] === true) {
        throw new UsageError(`--prune takes exactly one -f DIR, and neither -n nor --force-conflicts (it always takes git's fields back)\n\n${APPLY_USAGE}`);
      }
      return await applyDirectory({ directory: paths[0] ?? '', prune: values.prune === true, source: values.source, dryRun: values['dry-run'] === true, connection: { kubeconfig: values.kubeconfig, server: values.server, dataDir: values['data-dir'] } });
    }
    // Validation first, before even looking for a server: a broken manifest is reported the same everywhere.
    const manifests = inApplyOrder(loadManifests(paths, { namespace: values.namespace }));
    const api = objectApi(loadConnection({ kubeconfig: values.kubeconfig, server: values.server, dataDir: values['data-dir'] }));
    const dryRun = values['dry-run'] === true;
    const suffix = dryRun ? ' (server dry run)' : '';
    let failures = 0;
    for (const manifest of manifests) {
      const shown = objectName(manifest.kind, manifest.object.metadata.name);
      try {
        const before = await readCurrent(api, manifest);
        const after = (await api.patch(applyConfiguration(manifest), undefined, dryRun ? 'All' : undefined, FIELD_MANAGER, values['force-conflicts'] === true, PatchStrategy.ServerSideApply)) as PlainObject;
        const changed = before === undefined ? 'created'
          : dryRun ? (isDeepStrictEqual(essence(before), essence(after)) ? 'unchanged' : 'configured')
          : before.metadata?.resourceVersion === after.metadata?.resourceVersion ? 'unchanged' : 'configured';
        process.stdout.write(`${shown} ${changed}${suffix}\n`);
      } catch (error) {
        failures += 1;
        const hint = error instanceof ApiException && error.code === 409 && /Apply failed with/.test(describeError(error)) && values['force-conflicts'] !== true
          ? '\n  (another field manager owns these fields: rerun with --force-conflicts to take them over)' : '';
        process.stderr.write(`${shown} (${manifest.file}: document ${manifest.document}): ${describeError(error)}${hint}\n`);
      }
    }
    return failures === 0 ? 0 : 1;
  });
}
