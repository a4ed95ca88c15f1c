// `vigil delete KIND NAME [NAME...] [-n NS]` and `vigil delete -f FILE|DIR`: deletes objects (dependents go through
// the garbage collector afterwards). An object with finalizers is only marked for deletion until they are removed.
import { parseArgs } from 'node:util';
import { ApiException, type KubernetesObjectApi } from '@kubernetes/client-node';
import type { ResourceKind } from '../../schemas/index.ts';
import { isObject } from '../../schemas/json.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, loadConnection } from '../client/connection.ts';
import { CliError, describeError, runCommand, UsageError } from '../client/errors.ts';
import { resolveKind, resourceName } from '../client/kinds.ts';
import { objectApi } from '../client/objects.ts';
import { inApplyOrder, loadManifests } from '../manifests.ts';

export const DELETE_USAGE = `Usage: vigil delete KIND NAME [NAME...] [options]
       vigil delete -f FILE|DIR [-f FILE|DIR...] [options]

  -f, --filename PATH     delete the objects of these manifests (repeatable; directories recursively)
  -n, --namespace NS      the namespace (for Containers: the Host); found by name when there is only one
      --ignore-not-found  an object that does not exist is not an error
      --dry-run           check on the server, delete nothing
${CONNECTION_USAGE}`;

interface Target {
  kind: ResourceKind;
  name: string;
  namespace: string | undefined;
}

/** Where the object named `name` lives when no -n was given: it must exist in exactly one namespace. */
async function locate(api: KubernetesObjectApi, kind: ResourceKind, name: string): Promise<string | undefined> {
  const list: unknown = await api.list(kind.apiVersion, kind.kind, undefined, undefined, undefined, undefined, `metadata.name=${name}`);
  const items = isObject(list) && Array.isArray(list.items) ? list.items.filter(isObject) : [];
  const namespaces = [...new Set(items.map((item) => (isObject(item.metadata) ? String(item.metadata.namespace ?? '') : '')))];
  if (namespaces.length > 1) throw new UsageError(`${resourceName(kind)} "${name}" exists in several namespaces (${namespaces.join(', ')}): choose one with -n`);
  return namespaces[0];
}

function outcome(target: Target, body: unknown): string {
  const shown = `${resourceName(target.kind)} "${target.name}"`;
  const metadata = isObject(body) && isObject(body.metadata) ? body.metadata : {};
  const finalizers = Array.isArray(metadata.finalizers) ? metadata.finalizers.map(String) : [];
  if (typeof metadata.deletionTimestamp === 'string' && finalizers.length > 0) {
    return `${shown} marked for deletion; it goes once its finalizers are removed (${finalizers.join(', ')})`;
  }
  return `${shown} deleted`;
}

export async function deleteCommand(argv: string[]): Promise<number> {
  return await runCommand('delete', async () => {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          filename: { type: 'string', short: 'f', multiple: true },
          namespace: { type: 'string', short: 'n' },
          'ignore-not-found': { type: 'boolean' },
          'dry-run': { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${DELETE_USAGE}`);
    }
    const { values, positionals } = parsed;
    if (values.help === true) {
      process.stdout.write(DELETE_USAGE);
      return 0;
    }
    const files = values.filename ?? [];
    let targets: Target[];
    if (files.length > 0) {
      if (positionals.length > 0) throw new UsageError('give either -f FILE|DIR or KIND NAME, not both');
      // Dependents last in apply order go first: delete in the reverse order.
      targets = inApplyOrder(loadManifests(files, { namespace: values.namespace, identifyOnly: true })).reverse()
        .map((manifest) => ({ kind: manifest.kind, name: manifest.object.metadata.name, namespace: manifest.object.metadata.namespace }));
    } else {
      const [kindText, ...names] = positionals;
      if (kindText === undefined || names.length === 0) throw new UsageError(`which objects? e.g. vigil delete container web -n local\n\n${DELETE_USAGE}`);
      const kind = resolveKind(kindText);
      targets = names.map((name) => ({ kind, name, namespace: kind.namespaced ? values.namespace : undefined }));
    }
    const api = objectApi(loadConnection({ kubeconfig: values.kubeconfig, server: values.server, dataDir: values['data-dir'] }));
    const ignoreNotFound = values['ignore-not-found'] === true;
    let failures = 0;
    for (const target of targets) {
      try {
        const namespace = target.kind.namespaced && target.namespace === undefined ? await locate(api, target.kind, target.name) : target.namespace;
        if (target.kind.namespaced && namespace === undefined) {
          throw new CliError(`Error from server (NotFound): ${resourceName(target.kind)} "${target.name}" not found`);
        }
        const body: unknown = await api.delete(
          { apiVersion: target.kind.apiVersion, kind: target.kind.kind, metadata: { name: target.name, ...(namespace === undefined ? {} : { namespace }) } },
          undefined, values['dry-run'] === true ? 'All' : undefined, undefined, undefined, 'Background',
        );
        process.stdout.write(`${outcome(target, body)}${values['dry-run'] === true ? ' (server dry run)' : ''}\n`);
      } catch (error) {
        const missing = (error instanceof ApiException && error.code === 404) || (error instanceof CliError && error.message.includes('(NotFound)'));
        if (missing && ignoreNotFound) continue;
        failures += 1;
        process.stderr.write(`${describeError(error)}\n`);
      }
    }
    return failures === 0 ? 0 : 1;
  });
}
