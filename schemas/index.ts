// The kind registry: every resource kind Vigil serves, read from its JSON Schema at module load. The API
// metadata (plural, scope, printer columns...) lives in each schema's `x-vigil-resource` keyword, so a
// kind is defined in exactly one file; this module only turns that into typed lookups.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isJsonObject, isStringArray, type JsonObject, type JsonValue } from './json.ts';

export const VIGIL_GROUP = 'vigil.dev';
export const VIGIL_VERSION = 'v1alpha1';
/** Namespace of Secrets referenced by cluster-scoped kinds when a reference names no namespace. */
export const DEFAULT_SECRET_NAMESPACE = 'vigil-system';
/** The Host that exists without a manifest: the engine on the server's own socket. */
export const LOCAL_HOST_NAME = 'local';

export type PrinterColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface PrinterColumn {
  name: string;
  type: PrinterColumnType;
  /** Kubernetes JSONPath, e.g. ".status.effective.policy.value". */
  jsonPath: string;
  description: string;
  /** 0 = shown by default; higher = only with -o wide. */
  priority: number;
  format?: string;
}

export type NameFormat = 'dns1123Subdomain' | 'dns1123Label';

export interface ResourceKind {
  group: string;
  version: string;
  /** "vigil.dev/v1alpha1", or "v1" for the core group. */
  apiVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  namespaced: boolean;
  categories: readonly string[];
  hasStatus: boolean;
  /** A `log` subresource (GET PLURAL/NAME/log streams the Docker logs: Container). */
  hasLog: boolean;
  printerColumns: readonly PrinterColumn[];
  /** Names must be DNS-1123 labels for kinds whose name becomes a namespace (Host). */
  nameFormat: NameFormat;
  /** The only name allowed (Settings: "default"). */
  singletonName?: string;
  /** Top-level fields that may not change after creation (x-vigil-immutable). */
  immutableFields: readonly string[];
  /** The kind's JSON Schema document, as loaded. */
  schema: JsonObject;
  schemaId: string;
  /** File name under schemas/. */
  file: string;
}

const SCHEMA_DIR = import.meta.dirname;
const KIND_FILES = [
  'host.schema.json',
  'container.schema.json',
  'updatepolicy.schema.json',
  'hook.schema.json',
  'registry.schema.json',
  'notificationchannel.schema.json',
  'settings.schema.json',
  'secret.schema.json',
  'snapshot.schema.json',
  'updaterecord.schema.json',
  'manifestsource.schema.json',
  'swarmservice.schema.json',
  'notificationdelivery.schema.json',
  'portainerinstance.schema.json',
];

function loadSchema(file: string): JsonObject {
  const parsed: unknown = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8'));
  if (!isJsonObject(parsed) || typeof parsed.$id !== 'string') throw new Error(`schemas/${file}: not a schema with an $id`);
  return parsed;
}

/** schemas/common.schema.json: the shared $defs every kind refers to. */
export const commonSchema: JsonObject = loadSchema('common.schema.json');

function field<T>(meta: JsonObject, name: string, check: (value: JsonValue | undefined) => value is T & JsonValue, file: string): T {
  const value = meta[name];
  if (!check(value)) throw new Error(`schemas/${file}: x-vigil-resource.${name} is missing or malformed`);
  return value;
}
const isString = (value: JsonValue | undefined): value is string => typeof value === 'string';
const isStrings = (value: JsonValue | undefined): value is string[] => isStringArray(value);

function printerColumns(value: JsonValue | undefined, file: string): PrinterColumn[] {
  if (!Array.isArray(value)) throw new Error(`schemas/${file}: x-vigil-resource.printerColumns must be an array`);
  return value.map((column) => {
    if (!isJsonObject(column)) throw new Error(`schemas/${file}: printer column is not an object`);
    const { name, type, jsonPath, description, priority, format } = column;
    if (typeof name !== 'string' || typeof jsonPath !== 'string' || typeof description !== 'string' ||
      typeof priority !== 'number' || !isPrinterColumnType(type)) {
      throw new Error(`schemas/${file}: printer column ${JSON.stringify(name)} is malformed`);
    }
    return { name, type, jsonPath, description, priority, ...(typeof format === 'string' ? { format } : {}) };
  });
}

function isPrinterColumnType(value: JsonValue | undefined): value is PrinterColumnType {
  return value === 'string' || value === 'integer' || value === 'number' || value === 'boolean' || value === 'date';
}

/** Top-level properties whose (local) definition carries x-vigil-immutable: true. */
function immutableFields(schema: JsonObject): string[] {
  const properties = isJsonObject(schema.properties) ? schema.properties : {};
  const defs = isJsonObject(schema.$defs) ? schema.$defs : {};
  return Object.entries(properties).filter(([, property]) => {
    if (!isJsonObject(property)) return false;
    const ref = typeof property.$ref === 'string' ? property.$ref : '';
    const target = ref.startsWith('#/$defs/') ? defs[ref.slice('#/$defs/'.length)] : property;
    return isJsonObject(target) && target['x-vigil-immutable'] === true;
  }).map(([name]) => name);
}

function toKind(file: string): ResourceKind {
  const schema = loadSchema(file);
  const meta = schema['x-vigil-resource'];
  if (!isJsonObject(meta)) throw new Error(`schemas/${file}: x-vigil-resource is missing`);
  const group = field(meta, 'group', isString, file);
  const version = field(meta, 'version', isString, file);
  const kind = field(meta, 'kind', isString, file);
  const scope = field(meta, 'scope', isString, file);
  const subresources = meta.subresources;
  const nameFormat = meta.nameFormat ?? 'dns1123Subdomain';
  if (nameFormat !== 'dns1123Subdomain' && nameFormat !== 'dns1123Label') throw new Error(`schemas/${file}: bad nameFormat`);
  return {
    group,
    version,
    apiVersion: group === '' ? version : `${group}/${version}`,
    kind,
    listKind: `${kind}List`,
    plural: field(meta, 'plural', isString, file),
    singular: field(meta, 'singular', isString, file),
    shortNames: field(meta, 'shortNames', isStrings, file),
    namespaced: scope === 'Namespaced',
    categories: field(meta, 'categories', isStrings, file),
    hasStatus: isJsonObject(subresources) && subresources.status === true,
    hasLog: isJsonObject(subresources) && subresources.log === true,
    printerColumns: printerColumns(meta.printerColumns, file),
    nameFormat,
    ...(typeof meta.singletonName === 'string' ? { singletonName: meta.singletonName } : {}),
    immutableFields: immutableFields(schema),
    schema,
    schemaId: String(schema.$id),
    file,
  };
}

/** Every kind, in the order controllers and GitOps apply them (Hosts before Containers before the rest). */
export const resourceKinds: readonly ResourceKind[] = Object.freeze(KIND_FILES.map(toKind));

/** The kinds of the vigil.dev group (those that get a CustomResourceDefinition). */
export const vigilKinds: readonly ResourceKind[] = resourceKinds.filter((kind) => kind.group === VIGIL_GROUP);

export function findKind(apiVersion: string, kind: string): ResourceKind | undefined {
  return resourceKinds.find((candidate) => candidate.apiVersion === apiVersion && candidate.kind === kind);
}

/** By kind name alone (the names are unique across our groups). */
export function findKindByName(kind: string): ResourceKind | undefined {
  return resourceKinds.find((candidate) => candidate.kind === kind);
}

/** By plural resource name, optionally restricted to one group ("" = core). */
export function findKindByPlural(plural: string, group?: string): ResourceKind | undefined {
  return resourceKinds.find((candidate) => candidate.plural === plural && (group === undefined || candidate.group === group));
}

/** What kubectl accepts on its command line: plural, singular, short name or kind, case-insensitively. */
export function findKindByAnyName(name: string): ResourceKind | undefined {
  const lower = name.toLowerCase();
  return resourceKinds.find((candidate) => candidate.plural === lower || candidate.singular === lower ||
    candidate.shortNames.includes(lower) || candidate.kind.toLowerCase() === lower);
}

/** Every schema document by $id (the kinds and common), for $ref resolution. */
export const schemasById: ReadonlyMap<string, JsonObject> = new Map([
  [String(commonSchema.$id), commonSchema],
  ...resourceKinds.map((kind): [string, JsonObject] => [kind.schemaId, kind.schema]),
]);
