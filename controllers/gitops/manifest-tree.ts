// Reads a whole manifest directory (a git checkout, usually) and validates every object before anything may be
// applied: multi-document YAML with line numbers, each object against its kind's schema with unknown fields refused,
// known kinds only, no object defined twice, namespaces as their kind's scope wants. Whatever is wrong comes back as
// problems with the file and line; a caller applies nothing while there is one.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { DEFAULT_SECRET_NAMESPACE, LOCAL_HOST_NAME, findKind, resourceKinds, type ResourceKind } from '../../schemas/index.ts';
import { isObject } from '../../schemas/json.ts';
import { causeText, validateResource, type ResourceObject } from '../../schemas/validation.ts';
import { MANAGED_BY_LABEL, SOURCE_LABEL, applyRank, refKey, type ObjectRef } from './ownership.ts';
import { documentLine, fieldLine } from './yaml-lines.ts';

export interface ManifestObject {
  kind: ResourceKind;
  /** The validated object as written (namespace defaulted). */
  object: ResourceObject;
  ref: ObjectRef;
  /** Path relative to the tree's root, with `/` separators. */
  file: string;
  /** 1-based line where the object's document begins. */
  line: number;
}

export interface TreeProblem {
  /** Path relative to the root ('.' for the root itself). */
  file: string;
  line?: number;
  message: string;
}

export interface ManifestTree {
  /** The directory as configured. */
  directory: string;
  /** Where it was read: the real path, after following a symlinked checkout (git-sync swaps a link). */
  resolved: string;
  /** Valid objects in apply order (kind order, then file order). Meaningless while `problems` is not empty. */
  objects: ManifestObject[];
  problems: TreeProblem[];
  /** sha256 over every manifest file's path and content: the revision of a plain directory. */
  digest: string;
  files: number;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * Whether a directory entry is read. Hidden entries (`.git`, editors' `.#x.yaml` locks and `.x.yaml.swp`) and
 * anything without a manifest extension (`x.yaml~`, `#x.yaml#`, vim's `4913` probe) are not.
 */
export function isManifestName(name: string): boolean {
  return !name.startsWith('.') && MANIFEST_FILE.test(name);
}

export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/** Where a namespaced object without a namespace goes (docs/gitops.md): Secrets to vigil-system, Host-scoped kinds to their Host. */
export function defaultNamespace(kind: ResourceKind, object: Record<string, unknown>): string {
  if (kind.kind === 'Secret') return DEFAULT_SECRET_NAMESPACE;
  const spec = isObject(object.spec) ? object.spec : {};
  return typeof spec.hostRef === 'string' && spec.hostRef !== '' ? spec.hostRef : LOCAL_HOST_NAME;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Manifest files under `root`, sorted, following symlinks (each real directory once, so a link loop ends). */
function listFiles(root: string, problems: TreeProblem[]): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = readdirSync(dir, { withFileTypes: true }).map((entry) => entry.name).sort();
    for (const name of entries) {
      if (isHiddenName(name)) continue;
      const path = join(dir, name);
      let isDirectory: boolean;
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        if (MANIFEST_FILE.test(name) && lstatSync(path).isSymbolicLink()) problems.push({ file: toPosix(relative(root, path)), message: 'broken symbolic link' });
        continue;
      }
      if (isDirectory) walk(path);
      else if (isManifestName(name)) files.push(path);
    }
  };
  walk(root);
  return files;
}

/** Reads and validates the tree under `directory`. Never throws for bad content: problems say what is wrong. */
export function readManifestTree(directory: string): ManifestTree {
  const problems: TreeProblem[] = [];
  let resolved: string;
  try {
    resolved = realpathSync(directory);
    if (!statSync(resolved).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such directory' : error instanceof Error ? error.message : String(error);
    return { directory, resolved: directory, objects: [], problems: [{ file: '.', message: `${directory}: ${reason}` }], digest: '', files: 0 };
  }
  const hash = createHash('sha256');
  const objects: ManifestObject[] = [];
  const files = listFiles(resolved, problems);
  for (const path of files) {
    const file = toPosix(relative(resolved, path));
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      problems.push({ file, message: error instanceof Error ? error.message : String(error) });
      continue;
    }
    hash.update(file).update('\0').update(text).update('\0');
    readFile(file, text, objects, problems);
  }
  problems.push(...duplicates(objects));
  const ordered = objects.map((object, index) => ({ object, index }))
    .sort((a, b) => applyRank(a.object.kind.kind) - applyRank(b.object.kind.kind) || a.index - b.index)
    .map(({ object }) => object);
  return { directory, resolved, objects: ordered, problems, digest: `sha256:${hash.digest('hex')}`, files: files.length };
}

function readFile(file: string, text: string, objects: ManifestObject[], problems: TreeProblem[]): void {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(documents)) return; // an empty stream: no documents at all
  for (const document of documents) {
    if (document.errors.length > 0) {
      for (const error of document.errors) {
        problems.push({ file, line: lines.linePos(error.pos[0]).line, message: `YAML: ${error.message.split('\n')[0] ?? ''}` });
      }
      continue;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue; // an empty document (a trailing ---)
    const line = documentLine(document, lines);
    if (isObject(value) && value.apiVersion === 'v1' && value.kind === 'List') {
      problems.push({ file, line, message: 'a v1 List: write one document per object (--- between them)' });
      continue;
    }
    const checked = checkObject(value);
    if ('problems' in checked) {
      for (const problem of checked.problems) problems.push({ file, line: fieldLine(document, lines, problem.field), message: problem.message });
      continue;
    }
    objects.push({ ...checked, file, line });
  }
}

interface CheckedObject {
  kind: ResourceKind;
  object: ResourceObject;
  ref: ObjectRef;
}

function checkObject(value: unknown): CheckedObject | { problems: { field?: string; message: string }[] } {
  if (!isObject(value)) return { problems: [{ message: 'not an object: a manifest is a mapping with apiVersion, kind and metadata' }] };
  const object = structuredClone(value);
  const kind = typeof object.apiVersion === 'string' && typeof object.kind === 'string' ? findKind(object.apiVersion, object.kind) : undefined;
  if (kind === undefined) {
    return { problems: [{ field: 'kind', message: `unknown kind ${JSON.stringify(object.kind)} of apiVersion ${JSON.stringify(object.apiVersion)}: known kinds are ${resourceKinds.map((known) => `${known.apiVersion} ${known.kind}`).join(', ')}` }] };
  }
  const metadata = isObject(object.metadata) ? object.metadata : undefined;
  if (kind.namespaced && metadata !== undefined && (metadata.namespace === undefined || metadata.namespace === '')) {
    metadata.namespace = defaultNamespace(kind, object);
  }
  const result = validateResource(object, { unknownFields: 'Strict' });
  if (!result.ok) return { problems: result.causes.map((cause) => ({ field: cause.field, message: causeText(cause) })) };
  const labels = result.object.metadata.labels ?? {};
  const reserved = [MANAGED_BY_LABEL, SOURCE_LABEL].filter((label) => labels[label] !== undefined);
  if (reserved.length > 0) {
    return { problems: reserved.map((label) => ({ field: `metadata.labels[${label}]`, message: `metadata.labels: ${label} is set by Vigil on every object it applies: remove it from the manifest` })) };
  }
  const { name, namespace } = result.object.metadata;
  return { kind, object: result.object, ref: { apiVersion: kind.apiVersion, kind: kind.kind, ...(kind.namespaced ? { namespace } : {}), name } };
}

function duplicates(objects: readonly ManifestObject[]): TreeProblem[] {
  const seen = new Map<string, ManifestObject>();
  const problems: TreeProblem[] = [];
  for (const object of objects) {
    const key = refKey(object.ref);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, object);
    else {
      const name = object.ref.namespace === undefined ? object.ref.name : `${object.ref.namespace}/${object.ref.name}`;
      problems.push({ file: object.file, line: object.line, message: `${object.kind.kind} ${name} is also defined at ${first.file}:${first.line}` });
    }
  }
  return problems;
}

/** "file:line: message", as people and statuses read a problem. */
export function problemText(problem: TreeProblem): string {
  return `${problem.file}${problem.line === undefined ? '' : `:${problem.line}`}: ${problem.message}`;
}
