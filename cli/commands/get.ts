// `vigil get KIND [NAME] [-n NS | -A] [-l SELECTOR] [-o yaml|json|wide|name] [--show-labels] [-w]`: reads objects
// through client-node and prints them as kubectl does, the table coming from the server (Table output).
// Namespaced kinds are listed across every namespace unless -n names one: a namespace is a Host, and most people
// want all their containers.
import { parseArgs } from 'node:util';
import { Watch, type KubeConfig, type KubernetesObjectApi } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { ResourceKind } from '../../schemas/index.ts';
import { isObject } from '../../schemas/json.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, loadConnection } from '../client/connection.ts';
import { CliError, runCommand, UsageError } from '../client/errors.ts';
import { collectionPath, objectName, resolveKind, resourceName } from '../client/kinds.ts';
import { objectApi } from '../client/objects.ts';
import { asTable, formatLines, tableLines, type Table, type TableRow } from '../table.ts';

export const GET_USAGE = `Usage: vigil get KIND [NAME] [options]

Prints objects of a kind (containers, hosts, updatepolicies... or a short name such as ctr) as a table, or
as YAML or JSON.

  -n, --namespace NS      only this namespace (for Containers: the Host); default: every namespace
  -A, --all-namespaces    every namespace (the default)
  -l, --selector SEL      only objects whose labels match, e.g. app=web,tier!=db
  -o, --output FORMAT     yaml, json, wide or name (default: a table)
      --show-labels       add a LABELS column
  -w, --watch             after listing, print every change until interrupted
${CONNECTION_USAGE}`;

type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

interface GetOptions {
  kind: ResourceKind;
  name: string | undefined;
  namespace: string | undefined;
  selector: string | undefined;
  output: OutputFormat;
  showLabels: boolean;
  watch: boolean;
  connection: { kubeconfig: string | undefined; server: string | undefined; dataDir: string | undefined };
}

function parseGetArgs(argv: string[]): GetOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        ...CONNECTION_OPTIONS,
        namespace: { type: 'string', short: 'n' },
        'all-namespaces': { type: 'boolean', short: 'A' },
        selector: { type: 'string', short: 'l' },
        output: { type: 'string', short: 'o' },
        'show-labels': { type: 'boolean' },
        watch: { type: 'boolean', short: 'w' },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${GET_USAGE}`);
  }
  const { values, positionals } = parsed;
  const [resource, nameArgument, ...extra] = positionals;
  if (resource === undefined) throw new UsageError(`which kind? e.g. vigil get containers\n\n${GET_USAGE}`);
  if (extra.length > 0) throw new UsageError(`one name at most (got ${positionals.slice(1).join(', ')})`);
  // kubectl's KIND/NAME form.
  const [kindText, nameFromSlash] = resource.includes('/') ? resource.split('/', 2) : [resource, undefined];
  if (nameFromSlash !== undefined && nameArgument !== undefined) throw new UsageError('give the name either as KIND/NAME or as a second argument, not both');
  if (values.namespace !== undefined && values['all-namespaces'] === true) throw new UsageError('-n and -A exclude each other');
  const output = values.output ?? 'table';
  if (!['table', 'wide', 'yaml', 'json', 'name'].includes(output)) throw new UsageError(`unknown output format ${JSON.stringify(output)}: expected yaml, json, wide or name`);
  const kind = resolveKind(kindText ?? '');
  return {
    kind,
    name: nameFromSlash ?? nameArgument,
    namespace: kind.namespaced ? values.namespace : undefined,
    selector: values.selector,
    output: output as OutputFormat,
    showLabels: values['show-labels'] === true,
    watch: values.watch === true,
    connection: { kubeconfig: values.kubeconfig, server: values.server, dataDir: values['data-dir'] },
  };
}

interface Reader {
  config: KubeConfig;
  objects: KubernetesObjectApi;
  tables: KubernetesObjectApi;
}

type PlainObject = Record<string, unknown> & { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

const PAGE_SIZE = 500;

function spec(kind: ResourceKind, name: string, namespace: string | undefined): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
  return { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } };
}

function notFound(kind: ResourceKind, name: string): CliError {
  return new CliError(`Error from server (NotFound): ${resourceName(kind)} "${name}" not found`);
}

/** Every object of the kind in scope (all pages), with the list's resourceVersion to watch from. */
async function listObjects(reader: Reader, options: GetOptions, fieldSelector?: string): Promise<{ items: PlainObject[]; resourceVersion: string }> {
  const items: PlainObject[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  do {
    const page: unknown = await reader.objects.list(options.kind.apiVersion, options.kind.kind, options.namespace, undefined, undefined, undefined, fieldSelector, options.selector, PAGE_SIZE, token);
    if (!isObject(page) || !Array.isArray(page.items)) throw new CliError('the server answered a list request with something other than a list');
    items.push(...(page.items.filter(isObject) as PlainObject[]));
    const metadata = isObject(page.metadata) ? page.metadata : {};
    resourceVersion = typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : resourceVersion;
    token = typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined;
  } while (token !== undefined);
  return { items, resourceVersion };
}

async function listTable(reader: Reader, options: GetOptions, fieldSelector?: string): Promise<Table> {
  let merged: Table | undefined;
  let token: string | undefined;
  do {
    const page = asTable(await reader.tables.list(options.kind.apiVersion, options.kind.kind, options.namespace, undefined, undefined, undefined, fieldSelector, options.selector, PAGE_SIZE, token));
    if (page === undefined) throw new CliError('the server did not answer with a table (Accept: as=Table); try -o yaml');
    merged = merged === undefined ? page : { ...merged, rows: [...merged.rows, ...page.rows], resourceVersion: page.resourceVersion };
    token = page.continue;
  } while (token !== undefined);
  return merged;
}

/** The namespace of the object named `name` when no -n was given: it must exist in exactly one. */
async function locate(reader: Reader, options: GetOptions, name: string): Promise<string | undefined> {
  if (!options.kind.namespaced || options.namespace !== undefined) return options.namespace;
  const { items } = await listObjects(reader, options, `metadata.name=${name}`);
  const namespaces = [...new Set(items.map((item) => item.metadata?.namespace ?? ''))];
  if (namespaces.length === 0) throw notFound(options.kind, name);
  if (namespaces.length > 1) throw new UsageError(`${resourceName(options.kind)} "${name}" exists in several namespaces (${namespaces.join(', ')}): choose one with -n`);
  return namespaces[0];
}

function printObjects(objects: readonly PlainObject[], options: GetOptions, single: boolean): void {
  if (options.output === 'name') {
    for (const object of objects) process.stdout.write(`${objectName(options.kind, object.metadata?.name ?? '')}\n`);
    return;
  }
  const value = single ? objects[0] : { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objects };
  process.stdout.write(options.output === 'json' ? `${JSON.stringify(value, null, 4)}\n` : stringify(value, { lineWidth: 0 }));
}

function showsNamespaceColumn(options: GetOptions): boolean {
  // Not when the kind already shows its namespace (Container's HOST column).
  return options.kind.namespaced && options.namespace === undefined && !options.kind.printerColumns.some((column) => column.jsonPath === '.metadata.namespace');
}

function rowKey(row: TableRow): string {
  return `${row.object?.metadata?.namespace ?? ''}/${row.object?.metadata?.name ?? ''}`;
}

export async function getCommand(argv: string[]): Promise<number> {
  return await runCommand('get', async () => {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(GET_USAGE);
      return 0;
    }
    const options = parseGetArgs(argv);
    const config = loadConnection(options.connection);
    const reader: Reader = { config, objects: objectApi(config), tables: objectApi(config, { table: true }) };
    const namespace = options.name === undefined ? options.namespace : await locate(reader, options, options.name);
    const scoped = { ...options, namespace };
    const nameSelector = options.name === undefined ? undefined : `metadata.name=${options.name}`;
    return options.output === 'table' || options.output === 'wide'
      ? await getTable(reader, scoped, nameSelector)
      : await getObjects(reader, scoped, nameSelector);
  });
}

/** The server's table; with -w, a row per change (fetched as a one-row table, so the cells stay the server's). */
async function getTable(reader: Reader, options: GetOptions, nameSelector: string | undefined): Promise<number> {
  const printOptions = { wide: options.output === 'wide', namespace: showsNamespaceColumn(options), labels: options.showLabels };
  const table = await listTable(reader, options, nameSelector);
  if (options.name !== undefined && table.rows.length === 0) throw notFound(options.kind, options.name);
  if (table.rows.length === 0 && !options.watch) {
    process.stderr.write(options.namespace === undefined ? 'No resources found\n' : `No resources found in ${options.namespace} namespace.\n`);
    return 0;
  }
  // Rows printed while watching line up under the header printed now.
  const widths: number[] = [];
  process.stdout.write(formatLines(tableLines(table, printOptions), widths));
  if (!options.watch) return 0;
  const rows = new Map(table.rows.map((row) => [rowKey(row), row]));
  const resourceVersion = table.resourceVersion ?? (await listObjects(reader, options, nameSelector)).resourceVersion;
  return await watchChanges(reader, options, nameSelector, resourceVersion, async (type, object) => {
    const key = `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
    // A deleted object cannot be read any more: its last row is printed again, as kubectl does.
    const row = type === 'DELETED' ? rows.get(key) : (await readRow(reader, options.kind, object).catch(() => undefined)) ?? rows.get(key);
    if (row === undefined) return;
    if (type === 'DELETED') rows.delete(key);
    else rows.set(key, row);
    process.stdout.write(formatLines(tableLines({ columns: table.columns, rows: [row] }, { ...printOptions, noHeaders: true }), widths));
  });
}

/** -o yaml|json|name; with -w, each changed object after the list. */
async function getObjects(reader: Reader, options: GetOptions, nameSelector: string | undefined): Promise<number> {
  const { items, resourceVersion } = await listObjects(reader, options, nameSelector);
  if (options.name !== undefined && items.length === 0) throw notFound(options.kind, options.name);
  if (items.length > 0 || !options.watch) printObjects(items, options, options.name !== undefined);
  if (!options.watch) return 0;
  return await watchChanges(reader, options, nameSelector, resourceVersion, async (_type, object) => {
    if (options.output === 'yaml') process.stdout.write(`---\n${stringify(object, { lineWidth: 0 })}`);
    else printObjects([object], options, true);
  });
}

async function readRow(reader: Reader, kind: ResourceKind, object: PlainObject): Promise<TableRow | undefined> {
  const name = object.metadata?.name;
  if (name === undefined) return undefined;
  const table = asTable(await reader.tables.read(spec(kind, name, kind.namespaced ? object.metadata?.namespace : undefined)));
  return table?.rows[0];
}

type EventHandler = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: PlainObject) => Promise<void>;

/**
 * Watches from `resourceVersion` until SIGINT/SIGTERM, resuming after the server or client-node (30 s without
 * data) ends a watch, and starting over from a fresh list when the server says the version is too old (410).
 */
async function watchChanges(
  reader: Reader,
  options: GetOptions,
  fieldSelector: string | undefined,
  startVersion: string,
  handle: EventHandler,
): Promise<number> {
  const watch = new Watch(reader.config);
  const path = collectionPath(options.kind, options.namespace);
  let resourceVersion = startVersion;
  let stopped = false;
  let current: AbortController | undefined;
  const stop = (): void => {
    stopped = true;
    current?.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Events are handled one at a time, in order, even though handling one may wait for the server.
  let queue: Promise<void> = Promise.resolve();
  try {
    while (!stopped) {
      let expired = false;
      const ended = await new Promise<unknown>((resolve) => {
        watch.watch(path, {
          resourceVersion,
          allowWatchBookmarks: true,
          ...(fieldSelector === undefined ? {} : { fieldSelector }),
          ...(options.selector === undefined ? {} : { labelSelector: options.selector }),
        }, (type: string, object: unknown) => {
          if (!isObject(object)) return;
          if (type === 'ERROR') {
            if (object.code === 410) expired = true;
            return;
          }
          const version = isObject(object.metadata) && typeof object.metadata.resourceVersion === 'string' ? object.metadata.resourceVersion : undefined;
          if (version !== undefined) resourceVersion = version;
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            queue = queue.then(() => handle(type, object as PlainObject));
          }
        }, resolve).then((controller) => {
          current = controller;
          if (stopped) controller.abort();
        }, resolve);
      });
      await queue;
      if (stopped) break;
      const status = isObject(ended) && typeof ended.statusCode === 'number' ? ended.statusCode : undefined;
      if (expired || status === 410) {
        resourceVersion = (await listObjects(reader, options, fieldSelector)).resourceVersion;
        continue;
      }
      const timedOut = ended instanceof Error && ended.name === 'TimeoutError';
      if (ended !== null && ended !== undefined && !timedOut) throw ended;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return 0;
}
