// Lifecycle hooks of one container: Hook resources. POST creates or replaces the Hook `<host>-<container>-<phase>`
// selecting exactly that container (server-side apply under vigil-rest: a Hook written in git is not taken over, 409);
// DELETE removes it. GET lists every Hook that applies to the container (also ones selecting it by label, glob or
// from git, each with its `source`), and the hooks of its sentinel.hook.* labels once a controller has resolved them.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Hook } from '../../../schemas/generated/types.ts';
import { isDns1123Subdomain } from '../../../schemas/names.ts';
import { policyMatches } from '../../../domain/inventory/policy-match.ts';
import { isApiError } from '../../resources/errors.ts';
import { containerRefOf, describeRef, findContainer, type ContainerRef, type StoredContainer } from '../container-key.ts';
import { REST_FIELD_MANAGER, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import type { BodySchema } from '../validation.ts';

type Phase = 'pre-update' | 'post-update';
type ContainerParams = { Params: { container: string } };

const PHASES: readonly Phase[] = ['pre-update', 'post-update'];
/** Hook spec.timeoutSeconds' default (schemas/hook.schema.json). */
const DEFAULT_TIMEOUT_SECONDS = 30;

const hookBody: BodySchema = {
  $id: 'sentinel-hook-body',
  type: 'object',
  required: ['phase', 'command'],
  properties: {
    phase: { type: 'string', enum: [...PHASES] },
    command: { type: 'array', minItems: 1, items: { type: 'string' } },
    timeout: { type: 'integer', minimum: 1, maximum: 3600 },
  },
};

export interface HookEntryView {
  container_name: string;
  phase: string;
  command: string[];
  timeout: number;
  /** Vigil addition: `hook/NAME` (a Hook resource) or `label` (sentinel.hook.* labels). */
  source: string;
}

/** The Hook the REST API writes for one container and phase (docs/resources.md): `<host>-<container>-<phase>`. */
export function hookName(ref: ContainerRef, phase: Phase): string {
  const name = `${ref.namespace}-${ref.name}-${phase}`;
  if (isDns1123Subdomain(name)) return name;
  const hash = createHash('sha256').update(`${ref.namespace}/${ref.name}`).digest('hex').slice(0, 16);
  return `${ref.namespace}-${hash}-${phase}`;
}

function checkPhase(phase: string): Phase {
  if ((PHASES as readonly string[]).includes(phase)) return phase as Phase;
  throw restErrors.badRequest(`phase: must be one of pre-update, post-update (got ${JSON.stringify(phase)})`);
}

function applies(hook: Hook, container: StoredContainer, ref: ContainerRef): boolean {
  return hook.metadata.deletionTimestamp === undefined &&
    policyMatches({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: {}, spec: hook.spec }, {
      labels: container.status?.labels ?? {},
      containerName: ref.dockerName,
      hostName: ref.namespace,
    });
}

export async function hookRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get<ContainerParams>('/api/hooks/:container', async (request) => {
    const ref = containerRefOf(request, request.params.container);
    const container = await findContainer(resources, ref, { allowGone: true });
    const hooks = (await resources.list('Hook', { resourceVersion: '0' })).items as unknown as Hook[];
    const fromResources: HookEntryView[] = hooks
      .filter((hook) => applies(hook, container, ref))
      .map((hook) => ({ container_name: ref.dockerName, phase: hook.spec.phase, command: hook.spec.command, timeout: hook.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS, source: `hook/${hook.metadata.name ?? ''}` }));
    const fromLabels: HookEntryView[] = (container.status?.hooks ?? [])
      .filter((hook) => hook.source === 'label')
      .map((hook) => ({ container_name: ref.dockerName, phase: hook.phase, command: hook.command, timeout: hook.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS, source: 'label' }));
    return [...fromResources, ...fromLabels].sort((a, b) => (a.phase < b.phase ? 1 : a.phase > b.phase ? -1 : a.source < b.source ? -1 : 1));
  });

  app.post<ContainerParams & { Body: { phase: Phase; command: string[]; timeout?: number } }>('/api/hooks/:container', { schema: { body: hookBody } }, async (request) => {
    const ref = containerRefOf(request, request.params.container);
    await findContainer(resources, ref, { allowGone: true });
    const { phase, command } = request.body;
    const timeout = request.body.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    await resources.apply({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Hook',
      metadata: { name: hookName(ref, phase) },
      spec: { containerNames: [ref.dockerName], hosts: [ref.namespace], phase, command, timeoutSeconds: timeout },
    }, { fieldManager: REST_FIELD_MANAGER });
    return { container_name: ref.dockerName, phase, command, timeout };
  });

  app.delete<{ Params: { container: string; phase: string } }>('/api/hooks/:container/:phase', async (request) => {
    const ref = containerRefOf(request, request.params.container);
    const phase = checkPhase(request.params.phase);
    try {
      await resources.delete('Hook', undefined, hookName(ref, phase));
    } catch (error) {
      if (isApiError(error, 'NotFound')) throw restErrors.notFound(`no ${phase} hook of ${describeRef(ref)} (set through this API) to delete`);
      throw error;
    }
    return { status: 'ok', name: ref.dockerName, phase, message: `${phase} hook deleted for ${ref.dockerName}` };
  });
}
