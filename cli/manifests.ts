// Reads manifests for `vigil apply` and `vigil delete -f`: files or directories (recursively, *.yaml, *.yml, *.json,
// in name order), multi-document YAML, v1 List objects expanded. Everything is parsed and validated against the
// schemas before anything is sent, as GitOps tools do: one bad document anywhere means nothing is written, and
// every problem is reported with its file and document number.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resourceKinds, type ResourceKind } from '../schemas/index.ts';
import { isObject } from '../schemas/json.ts';
import { causeText, validateResource, type ResourceObject } from '../schemas/validation.ts';
import { CliError } from './client/errors.ts';
import { applyRank } from '../controllers/gitops/ownership.ts';

export interface Manifest {
  /** The file as the user named it (relative to the working directory when inside it). */
  file: string;
  /** 1-based position of the YAML document in its file. */
  document: number;
  kind: ResourceKind;
  object: ResourceObject;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

function display(path: string): string {
  const relativePath = relative(process.cwd(), path);
  return relativePath.startsWith('..') || relativePath === '' ? path : relativePath;
}

/** The manifest files under `paths`, in a fixed order. Throws when a path is missing or holds no manifest. */
export function manifestFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (MANIFEST_EXTENSIONS.test(entry.name)) files.push(path);
    }
  };
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new CliError(`${path}: no such file or directory`);
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const before = files.length;
    walk(path);
    // An empty tree applies nothing rather than looking like a success (a wrong path, a failed checkout).
    if (files.length === before) throw new CliError(`${path}: no *.yaml, *.yml or *.json files in this directory`);
  }
  return files;
}

export interface LoadOptions {
  /** The namespace of namespaced objects that name none (-n). */
  namespace?: string | undefined;
  /**
   * Check only what identifies each object (apiVersion, kind, name, namespace), for `delete -f`: a manifest that
   * no longer passes the schema must still be deletable. Default false: the whole object is validated.
   */
  identifyOnly?: boolean;
}

/** Parses and validates every manifest under `paths`; throws one CliError listing every problem. */
export function loadManifests(paths: readonly string[], options: LoadOptions = {}): Manifest[] {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (const file of manifestFiles(paths)) {
    const shown = display(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(`${shown}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    parseAllDocuments(text).forEach((document, index) => {
      const where = `${shown}: document ${index + 1}`;
      if (document.errors.length > 0) {
        problems.push(...document.errors.map((error) => `${where}: YAML: ${error.message.split('\n')[0] ?? ''}`));
        return;
      }
      const value: unknown = document.toJS();
      if (value === null || value === undefined) return; // an empty document (a trailing ---)
      const items = isObject(value) && value.apiVersion === 'v1' && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
      for (const item of items) {
        const result = checkOne(item, options);
        if (result.ok) manifests.push({ file: shown, document: index + 1, kind: result.kind, object: result.object });
        else problems.push(...result.problems.map((problem) => `${where}${result.label}: ${problem}`));
      }
    });
  }
  problems.push(...duplicates(manifests));
  if (problems.length > 0) throw new CliError(`${options.identifyOnly === true ? 'nothing was deleted' : 'nothing was applied'}: ${problems.length === 1 ? 'a manifest is invalid' : `${problems.length} problems`}\n  ${problems.join('\n  ')}`);
  if (manifests.length === 0) throw new CliError(`no objects found in ${paths.join(', ')}`);
  return manifests;
}

type CheckResult = { ok: true; kind: ResourceKind; object: ResourceObject } | { ok: false; label: string; problems: string[] };

function checkOne(item: unknown, options: LoadOptions): CheckResult {
  const object = isObject(item) ? structuredClone(item) : item;
  const metadata = isObject(object) && isObject(object.metadata) ? object.metadata : undefined;
  const label = isObject(object) ? ` (${String(object.kind ?? '?')} ${metadata?.namespace === undefined ? '' : `${String(metadata.namespace)}/`}${String(metadata?.name ?? '?')})` : '';
  const kind = isObject(object) ? resourceKinds.find((candidate) => candidate.apiVersion === object.apiVersion && candidate.kind === object.kind) : undefined;
  // -n fills in the namespace of namespaced objects only; cluster-scoped ones ignore it, as with kubectl.
  if (kind?.namespaced === true && metadata !== undefined && (metadata.namespace === undefined || metadata.namespace === '') && options.namespace !== undefined) {
    metadata.namespace = options.namespace;
  }
  const identity = options.identifyOnly === true && isObject(object)
    ? { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: metadata?.name, ...(metadata?.namespace === undefined ? {} : { namespace: metadata.namespace }) } }
    : object;
  const result = validateResource(identity, { unknownFields: 'Strict' });
  if (!result.ok) return { ok: false, label, problems: result.causes.map(causeText) };
  return { ok: true, kind: result.kind, object: result.object };
}

function duplicates(manifests: readonly Manifest[]): string[] {
  const seen = new Map<string, Manifest>();
  const problems: string[] = [];
  for (const manifest of manifests) {
    const { namespace, name } = manifest.object.metadata;
    const key = `${manifest.kind.apiVersion}/${manifest.kind.kind}/${namespace ?? ''}/${name}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, manifest);
    else problems.push(`${manifest.file}: document ${manifest.document}: ${manifest.kind.kind} ${namespace === undefined ? '' : `${namespace}/`}${name} is also defined in ${first.file}: document ${first.document}`);
  }
  return problems;
}

/** Manifests in the order they must be applied: kinds others refer to first, as a GitOps pass orders them. */
export function inApplyOrder(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests].sort((a, b) => applyRank(a.kind.kind) - applyRank(b.kind.kind));
}
