// Policy overrides: spec.policy of the Container (the highest precedence: docs/resources.md "Precedence"); removing it
// lets the label, an UpdatePolicy, Settings or the default decide again. The bulk change previews by default and
// applies with `confirm: true`. Vigil's own container is refused (403, or "blocked" in bulk), and so is a policy set in
// git (409, or "blocked"): the next sync would restore it.
import type { FastifyInstance } from 'fastify';
import { containerRefOf, describeRef, findContainer, hostParam, type ContainerRef, type StoredContainer } from '../container-key.ts';
import { requestBy, type SentinelContext } from '../context.ts';
import { isRestError, restErrors } from '../errors.ts';
import type { BodySchema } from '../validation.ts';
import { effectivePolicy, isSelf } from '../views/container-view.ts';
import { modifyContainer, refuseGitOwned } from '../writes.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';

type NameParams = { Params: { name: string } };
type Policy = 'auto' | 'manual' | 'pinned';

const POLICIES = ['auto', 'manual', 'pinned'];
/** A bulk change names at most this many containers (a few hundred is the largest installation in view). */
const BULK_MAX = 1000;

const policyBody: BodySchema = {
  $id: 'sentinel-policy-body',
  type: 'object',
  required: ['policy'],
  properties: { policy: { type: 'string', enum: POLICIES } },
};

const bulkBody: BodySchema = {
  $id: 'sentinel-bulk-policy-body',
  type: 'object',
  required: ['containers', 'policy'],
  properties: {
    containers: { type: 'array', minItems: 1, maxItems: BULK_MAX, items: { type: 'string', minLength: 1 } },
    policy: { type: 'string', enum: POLICIES },
    confirm: { type: 'boolean' },
  },
};

function policyWhat(ref: ContainerRef): string {
  return `the policy of ${describeRef(ref)}`;
}

async function overridable(context: SentinelContext, ref: ContainerRef, action: string): Promise<StoredContainer> {
  const container = await findContainer(context.resources, ref);
  if (isSelf(container)) throw restErrors.selfProtected(ref.dockerName, action);
  refuseGitOwned(container, 'policy', policyWhat(ref));
  return container;
}

interface BulkPlan {
  changes: Array<{ name: string; from: string; to: Policy; ref: ContainerRef }>;
  blocked: Array<{ name: string; reason: string }>;
  unchanged: Array<{ name: string; reason: string }>;
}

async function planBulk(context: SentinelContext, host: string, names: readonly string[], policy: Policy): Promise<BulkPlan> {
  const plan: BulkPlan = { changes: [], blocked: [], unchanged: [] };
  for (const name of new Set(names)) {
    const ref: ContainerRef = { namespace: host, name: containerResourceName(name), dockerName: name.replace(/^\//, '') };
    let container: StoredContainer;
    try {
      container = await findContainer(context.resources, ref);
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) {
        plan.blocked.push({ name, reason: 'not found' });
        continue;
      }
      throw error;
    }
    if (isSelf(container)) {
      plan.blocked.push({ name, reason: "self-protected: Vigil's own container" });
      continue;
    }
    try {
      refuseGitOwned(container, 'policy', policyWhat(ref));
    } catch (error) {
      if (!isRestError(error)) throw error;
      plan.blocked.push({ name, reason: error.message });
      continue;
    }
    const from = effectivePolicy(container);
    if (from === policy) plan.unchanged.push({ name, reason: `already ${policy}` });
    else plan.changes.push({ name, from, to: policy, ref });
  }
  return plan;
}

export async function policyRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.post<NameParams & { Body: { policy: Policy } }>('/api/containers/:name/policy', { schema: { body: policyBody } }, async (request) => {
    const ref = containerRefOf(request, request.params.name);
    const policy = request.body.policy;
    await overridable(context, ref, 'a policy change');
    await modifyContainer(resources, ref, requestBy(request), (current, spec) => {
      refuseGitOwned(current, 'policy', policyWhat(ref));
      return { ...spec, policy };
    });
    return { status: 'ok', name: ref.dockerName, policy, message: `policy set to ${policy} for ${ref.dockerName}` };
  });

  app.delete<NameParams>('/api/containers/:name/policy', async (request) => {
    const ref = containerRefOf(request, request.params.name);
    await overridable(context, ref, 'a policy change');
    await modifyContainer(resources, ref, requestBy(request), (current, spec) => {
      refuseGitOwned(current, 'policy', policyWhat(ref));
      const { policy: _removed, ...rest } = spec;
      return rest;
    });
    return { status: 'ok', name: ref.dockerName, message: `policy override removed for ${ref.dockerName}: the label or default applies` };
  });

  app.post<{ Body: { containers: string[]; policy: Policy; confirm?: boolean } }>('/api/bulk/policy', { schema: { body: bulkBody } }, async (request) => {
    const { containers, policy, confirm } = request.body;
    const plan = await planBulk(context, hostParam(request), containers, policy);
    if (confirm !== true) {
      return {
        mode: 'preview',
        changes: plan.changes.map(({ name, from, to }) => ({ name, from, to })),
        blocked: plan.blocked,
        unchanged: plan.unchanged,
      };
    }
    const by = requestBy(request);
    let applied = 0;
    let blocked = plan.blocked.length;
    for (const change of plan.changes) {
      try {
        await modifyContainer(resources, change.ref, by, (current, spec) => {
          refuseGitOwned(current, 'policy', policyWhat(change.ref));
          return { ...spec, policy };
        });
        applied += 1;
      } catch (error) {
        // Removed or taken over by git since the plan: counted as blocked, the others still apply.
        if (!isRestError(error) || (error.statusCode !== 404 && error.statusCode !== 409)) throw error;
        blocked += 1;
      }
    }
    return { mode: 'executed', applied, blocked, unchanged: plan.unchanged.length };
  });
}
