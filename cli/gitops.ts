// `vigil apply --prune` and `vigil diff` run one pass of the server's GitOps loop (controllers/gitops/pass.ts) over
// HTTP: the same tree validation, kind order, field manager, labels, inventory and pruning. The inventory lives in a
// ManifestSource marked `suspend: true`, so that the server never reconciles a directory it may not even see.
import { basename, resolve } from 'node:path';
import { ApiException, CustomObjectsApi, PatchStrategy, type KubeConfig, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import type { Configuration } from '../controllers/gitops/configuration.ts';
import { problemText, readManifestTree, type ManifestTree } from '../controllers/gitops/manifest-tree.ts';
import { GITOPS_FIELD_MANAGER, type ObjectRef } from '../controllers/gitops/ownership.ts';
import type { ObjectResult, PassOutcome } from '../controllers/gitops/pass.ts';
import { TargetError, type ApplyTarget } from '../controllers/gitops/target.ts';
import type { ManifestSource, ManifestSourceStatus } from '../schemas/generated/types.ts';
import { findKind, VIGIL_GROUP, VIGIL_VERSION } from '../schemas/index.ts';
import type { ResourceObject } from '../schemas/validation.ts';
import { CliError, describeError } from './client/errors.ts';
import { objectName } from './client/kinds.ts';

function header(ref: ObjectRef): KubernetesObject & { metadata: { name: string } } {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) } };
}

function notFound(error: unknown): boolean {
  return error instanceof ApiException && error.code === 404;
}

/** The pass's target over HTTP. Secret values come back masked: drift still shows (their generation moves). */
export class HttpTarget implements ApplyTarget {
  readonly secretValuesVisible = false;
  readonly #api: KubernetesObjectApi;

  constructor(api: KubernetesObjectApi) {
    this.#api = api;
  }

  async get(ref: ObjectRef): Promise<ResourceObject | undefined> {
    try {
      return (await this.#api.read(header(ref))) as unknown as ResourceObject;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw new TargetError(describeError(error), { cause: error });
    }
  }

  async apply(configuration: Configuration, options: { dryRun: boolean }): Promise<ResourceObject> {
    try {
      const body = configuration as unknown as KubernetesObject;
      return (await this.#api.patch(body, undefined, options.dryRun ? 'All' : undefined, GITOPS_FIELD_MANAGER, true, PatchStrategy.ServerSideApply)) as unknown as ResourceObject;
    } catch (error) {
      throw new TargetError(describeError(error), { cause: error });
    }
  }

  async delete(ref: ObjectRef, options: { dryRun: boolean }): Promise<void> {
    try {
      await this.#api.delete(header(ref), undefined, options.dryRun ? 'All' : undefined);
    } catch (error) {
      if (notFound(error)) return;
      throw new TargetError(describeError(error), { cause: error });
    }
  }
}

/** The ManifestSource name for a directory: its base name as a DNS-1123 label. */
export function sourceNameFor(directory: string): string {
  const name = basename(resolve(directory)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 63).replace(/-$/, '');
  return name === '' ? 'manifests' : name;
}

/** Reads and validates the directory; a CliError listing every problem when anything is wrong. */
export function loadTree(directory: string, nothing: string): ManifestTree {
  const tree = readManifestTree(resolve(directory));
  if (tree.problems.length > 0) {
    throw new CliError(`${nothing}: ${tree.problems.length === 1 ? 'a manifest is invalid' : `${tree.problems.length} problems`}\n  ${tree.problems.map(problemText).join('\n  ')}`);
  }
  return tree;
}

const SOURCE_HEADER = { apiVersion: `${VIGIL_GROUP}/${VIGIL_VERSION}`, kind: 'ManifestSource' };

/**
 * The source holding this directory's inventory. For writing (`apply`), one the server reconciles is refused: both
 * would write the same objects. `diff` only reads it, so it may preview a source the server keeps.
 */
export async function readCliSource(api: KubernetesObjectApi, name: string, options: { forWriting: boolean } = { forWriting: true }): Promise<ManifestSource | undefined> {
  let source: ManifestSource;
  try {
    source = (await api.read({ ...SOURCE_HEADER, metadata: { name } })) as unknown as ManifestSource;
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
  if (options.forWriting && source.spec.suspend !== true) {
    throw new CliError(`ManifestSource ${name} is kept in sync by the server (spec.suspend is not true): choose another --source, or let the server apply ${source.spec.directory}`);
  }
  return source;
}

/** Creates or updates the suspended source (field manager "vigil", as `vigil apply`). */
export async function saveCliSource(api: KubernetesObjectApi, name: string, directory: string, prune: boolean): Promise<void> {
  const body = { ...SOURCE_HEADER, metadata: { name }, spec: { directory: resolve(directory), prune, suspend: true } };
  await api.patch(body, undefined, undefined, 'vigil', true, PatchStrategy.ServerSideApply);
}

export async function writeCliSourceStatus(config: KubeConfig, name: string, status: ManifestSourceStatus): Promise<void> {
  const customObjects = config.makeApiClient(CustomObjectsApi);
  // A JSON patch (client-node's default for this call) that sets the whole status.
  await customObjects.patchClusterCustomObjectStatus({ group: VIGIL_GROUP, version: VIGIL_VERSION, plural: 'manifestsources', name, body: [{ op: 'add', path: '/status', value: status }], fieldManager: GITOPS_FIELD_MANAGER });
}

/** `container.vigil.dev/web`, as `vigil apply` names objects. */
export function shownName(ref: ObjectRef): string {
  const kind = findKind(ref.apiVersion, ref.kind);
  return kind === undefined ? `${ref.kind}/${ref.name}` : objectName(kind, ref.name);
}

/** One line per object, kubectl style, with what a person needs: drift, why skipped, where a failure is. */
export function resultLine(result: ObjectResult): string {
  const where = result.file === undefined ? '' : ` (${result.file}${result.line === undefined ? '' : `:${result.line}`})`;
  const name = result.ref === undefined ? '' : shownName(result.ref);
  switch (result.action) {
    case 'driftCorrected': {
      const managers = result.drift?.managers.length ? `, changed by ${result.drift.managers.join(', ')}` : '';
      return `${name} drift corrected (${result.drift?.fields.join(', ') ?? ''}${managers})`;
    }
    case 'skipped':
    case 'failed':
      return `${name}${where} ${result.action}: ${result.error ?? ''}`.trim();
    default:
      return `${name} ${result.action}`;
  }
}

export function printOutcome(outcome: PassOutcome, suffix: string): void {
  for (const result of outcome.results) {
    const line = `${resultLine(result)}${suffix}\n`;
    if (result.action === 'failed') process.stderr.write(line);
    else process.stdout.write(line);
  }
  if (!outcome.ok) process.stderr.write(`${outcome.message}\n`);
}
