// Server-side printing: the meta.k8s.io Table kubectl asks for with `Accept: application/json;as=Table;...`, built
// from each kind's printer columns as kube-apiserver builds it for custom resources (apiextensions tableconvertor):
// a Name column first, then the kind's columns; dates shown as ages the way kubectl prints them.
import type { PrinterColumn, ResourceKind } from '../../../schemas/index.ts';
import type { ResourceObject } from '../../../schemas/validation.ts';
import { maskSecret } from '../secrets.ts';

export type TableVersion = 'v1' | 'v1beta1';
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: Array<{ cells: unknown[]; object?: unknown }>;
}

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: http://kubernetes.io/docs/user-guide/identifiers#names',
  priority: 0,
};

const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

type Step = { field: string } | { index: number } | { filter: { field: string[]; value: string } };

// Kubernetes JSONPath (k8s.io/client-go/util/jsonpath) differs from the JSONPath of npm libraries (no "$", its own
// filter syntax); printer columns only use this subset: .a.b, [N], ['key'] and [?(@.f=="v")].
const TOKEN = /^(?:\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*(?:"([^"]*)"|'([^']*)')\)\])/;

/** Parses a printer column's JSONPath; throws on anything outside the subset above. */
export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  let rest = path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  while (rest !== '') {
    const match = TOKEN.exec(rest);
    if (match === null) throw new Error(`unsupported JSONPath ${JSON.stringify(path)} at ${JSON.stringify(rest)}`);
    const [token, field, index, quoted, doubleQuoted, filterField, filterValue, filterSingle] = match;
    if (field !== undefined) steps.push({ field });
    else if (index !== undefined) steps.push({ index: Number(index) });
    else if (quoted !== undefined || doubleQuoted !== undefined) steps.push({ field: quoted ?? doubleQuoted ?? '' });
    else if (filterField !== undefined) steps.push({ filter: { field: filterField.split('.'), value: filterValue ?? filterSingle ?? '' } });
    rest = rest.slice(token.length);
  }
  return steps;
}

function child(value: unknown, field: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[field] : undefined;
}

/** The values a JSONPath selects in `object` (a filter may select several). */
export function evaluateJsonPath(object: unknown, steps: readonly Step[]): unknown[] {
  let current: unknown[] = [object];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if ('field' in step) {
        const found = child(value, step.field);
        if (found !== undefined) next.push(found);
      } else if ('index' in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if (Array.isArray(value)) {
        for (const item of value) {
          const candidate = step.filter.field.reduce<unknown>((at, name) => child(at, name), item);
          if (candidate !== undefined && String(candidate) === step.filter.value) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

/** An age as kubectl prints it (k8s.io/apimachinery/pkg/util/duration HumanDuration): "45s", "5m3s", "3h", "2d4h". */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${days % 365}d`;
  return `${Math.trunc(days / 365)}y`;
}

interface CompiledColumn {
  definition: TableColumnDefinition;
  steps: Step[];
  type: PrinterColumn['type'];
}

const compiled = new Map<ResourceKind, CompiledColumn[]>();

function columnsOf(kind: ResourceKind): CompiledColumn[] {
  let columns = compiled.get(kind);
  if (columns === undefined) {
    // A kind without printer columns gets Age, as Kubernetes adds it for custom resources that declare none.
    const printer = kind.printerColumns.length > 0 ? kind.printerColumns : [AGE_COLUMN];
    columns = printer.map((column) => ({
      definition: { name: column.name, type: column.type, format: column.format ?? '', description: column.description, priority: column.priority },
      steps: parseJsonPath(column.jsonPath),
      type: column.type,
    }));
    compiled.set(kind, columns);
  }
  return columns;
}

function cell(column: CompiledColumn, object: ResourceObject, now: Date): unknown {
  const values = evaluateJsonPath(object, column.steps);
  // Missing values are null cells (kubectl prints <none>), dates included, as kube-apiserver answers.
  if (values.length === 0 || values[0] === null) return null;
  if (column.type === 'date') {
    const time = Date.parse(String(values[0]));
    return Number.isNaN(time) ? '<unknown>' : humanDuration(now.getTime() - time);
  }
  if (values.length > 1) return values.map((value) => (typeof value === 'object' ? JSON.stringify(value) : String(value))).join(',');
  const [value] = values;
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

function rowObject(object: ResourceObject, includeObject: IncludeObject, version: TableVersion): unknown {
  if (includeObject === 'None') return undefined;
  const shown = maskSecret(object);
  if (includeObject === 'Object') return shown;
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: shown.metadata };
}

export interface TableOptions {
  version: TableVersion;
  includeObject: IncludeObject;
  now: Date;
  metadata?: Table['metadata'];
}

export function toTable(kind: ResourceKind, objects: readonly ResourceObject[], options: TableOptions): Table {
  const columns = columnsOf(kind);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: options.metadata ?? {},
    columnDefinitions: [NAME_COLUMN, ...columns.map((column) => column.definition)],
    rows: objects.map((object) => {
      const embedded = rowObject(object, options.includeObject, options.version);
      return {
        cells: [object.metadata.name, ...columns.map((column) => cell(column, object, options.now))],
        ...(embedded === undefined ? {} : { object: embedded }),
      };
    }),
  };
}

/** The Table a request asks for in its Accept header, if any (the first acceptable media range wins). */
export function requestedTable(accept: string | undefined): TableVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim());
    const params = new Map(parameters.map((parameter) => {
      const [name = '', value = ''] = parameter.split('=').map((part) => part.trim());
      return [name.toLowerCase(), value];
    }));
    const as = params.get('as');
    if (as === 'Table' && params.get('g') === 'meta.k8s.io' && (type === 'application/json' || type === '*/*')) {
      const version = params.get('v');
      if (version === 'v1' || version === 'v1beta1') return version;
      continue;
    }
    if (as !== undefined) continue; // PartialObjectMetadata and friends: not served, try the next range
    if (type === 'application/json' || type === '*/*' || type === 'application/*' || type === 'application/yaml') return undefined;
  }
  return undefined;
}
