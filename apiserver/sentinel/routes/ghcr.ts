// GHCR alternatives (docs/registry.md "GHCR alternatives"), in Sentinel's shapes: the cached list, one container's
// alternative (probed now when not cached), and the switch, which is an update request (Container spec.update,
// reason SwitchRegistry): the update controller carries it out with its snapshot, health gate and rollback. Unlike
// Sentinel, the switch is offered only for the same build (equal digests) unless the request allows another.
import type { FastifyInstance } from 'fastify';
import { ghcrCandidate, switchDecision, type GhcrAlternative } from '../../../domain/registry/ghcr.ts';
import { containerRefOf, findContainer } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { isSelf } from '../views/container-view.ts';
import { modifyContainer, requestTimes } from '../writes.ts';

type NameParams = { Params: { name: string } };

/** How long a REST request waits for the two HEADs of a probe. */
const PROBE_TIMEOUT_MS = 30_000;

/** Sentinel's JSON of an alternative. */
export function ghcrView(alternative: GhcrAlternative): Record<string, unknown> {
  return {
    docker_hub_image: alternative.hubRepository,
    ghcr_image: alternative.ghcrImage,
    tag: alternative.tag,
    available: alternative.available,
    digest_match: alternative.digestMatch,
    ...(alternative.hubDigest === undefined ? {} : { hub_digest: alternative.hubDigest }),
    ...(alternative.ghcrDigest === undefined ? {} : { ghcr_digest: alternative.ghcrDigest }),
    checked_at: alternative.checkedAt,
  };
}

/** `{"allow_different_build": true}` lets a switch go to a GHCR image that is not the same build; no body = false. */
function allowDifferentBuild(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return false;
  if (typeof body !== 'object' || Array.isArray(body)) throw restErrors.badRequest('the body must be a JSON object (or empty)');
  const unknown = Object.keys(body).filter((key) => key !== 'allow_different_build');
  if (unknown.length > 0) throw restErrors.badRequest(`unknown field ${JSON.stringify(unknown[0])} (only "allow_different_build")`);
  const value = (body as { allow_different_build?: unknown }).allow_different_build;
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw restErrors.badRequest('allow_different_build: must be true or false');
  return value;
}

export async function ghcrRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get('/api/ghcr/alternatives', async () => (context.ghcr?.list() ?? []).map(ghcrView));

  app.get<NameParams>('/api/containers/:name/ghcr', async (request) => {
    const container = await findContainer(resources, containerRefOf(request, request.params.name));
    if (context.ghcr === undefined) return { available: false };
    const candidate = ghcrCandidate(container.status?.image ?? '');
    if ('none' in candidate) return { available: false, checked: false, reason: candidate.none };
    const probe = await context.ghcr.check(candidate, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if ('error' in probe) return { available: false, checked: false, error: probe.error };
    return ghcrView(probe.alternative);
  });

  app.post<NameParams>('/api/containers/:name/switch-ghcr', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    const allowed = allowDifferentBuild(request.body);
    const container = await findContainer(resources, ref);
    if (isSelf(container)) throw restErrors.selfProtected(ref.dockerName, 'switching it to GHCR (use POST /api/self-update)');
    if (context.ghcr === undefined) throw restErrors.unavailable('GHCR checks are not running');
    const candidate = ghcrCandidate(container.status?.image ?? '');
    if ('none' in candidate) throw restErrors.badRequest(`no GHCR alternative available for ${ref.dockerName}: ${candidate.none}`);
    const probe = await context.ghcr.check(candidate, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    if ('error' in probe) throw restErrors.unavailable(`could not check ghcr.io for ${ref.dockerName} now (not cached; try again): ${probe.error}`);
    const decision = switchDecision(probe.alternative, allowed);
    if (!decision.allowed) throw restErrors.badRequest(`${decision.reason} for ${ref.dockerName}`);
    const by = requestBy(request);
    await modifyContainer(resources, ref, by, (current, spec) => ({
      ...spec,
      update: {
        requestedAt: requestTimes(current, 'update', context.now()),
        requestedBy: by.requestedBy,
        reason: 'SwitchRegistry',
        image: decision.image,
        ...(decision.digest === undefined ? {} : { digest: decision.digest }),
      },
    }));
    return { status: 'started', name: ref.dockerName, ghcr_image: decision.image, message: `migration to GHCR started for ${ref.dockerName}` };
  });
}
