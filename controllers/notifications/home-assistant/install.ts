// What Install in Home Assistant does to a Container (pure): exactly the spec change POST /api/approve writes
// (apiserver/sentinel/routes/queue.ts): spec.update bound to the queued remote digest and version, reason Approved,
// here requested by Home Assistant, so the update controller runs the same approval and the UpdateRecord says who
// asked. The queue view decides what stands, as for the REST approve. MQTT delivers at least once, so a second
// install while the first is requested or running is refused rather than queued behind it.
import type { Container, UpdateRequest } from '../../../schemas/generated/types.ts';
import type { StoredContainer } from '../../../apiserver/sentinel/container-key.ts';
import { standingUpdate } from '../../../apiserver/sentinel/views/queue-view.ts';
import { isSelf } from '../../../apiserver/sentinel/views/container-view.ts';
import { requestTimes } from '../../../apiserver/sentinel/writes.ts';
import { isActive, isPending } from '../../update/controller/desired.ts';

/** UpdateRecord spec.requestedBy (through spec.update.requestedBy and the operation) of an install from Home Assistant. */
export const REQUESTED_BY_HOME_ASSISTANT = 'Home Assistant';

export type InstallDecision = { kind: 'approve'; update: UpdateRequest } | { kind: 'refuse'; message: string };

export function installDecision(container: StoredContainer | undefined, now: Date): InstallDecision {
  if (container === undefined) return { kind: 'refuse', message: 'no such container' };
  if (isSelf(container)) return { kind: 'refuse', message: 'this is Vigil\'s own container: it updates through POST /api/self-update' };
  if (isActive(container.status?.operation)) return { kind: 'refuse', message: 'an update of this container is already running' };
  if (isPending(container.spec?.update, container.status?.handledRequests?.update)) return { kind: 'refuse', message: 'an update of this container is already requested' };
  const entry = standingUpdate(container);
  if (entry === undefined) return { kind: 'refuse', message: 'no pending update to approve (the approval queue has no entry for this container)' };
  const digest = entry.pending.remoteDigest;
  if (digest === undefined || digest === '') return { kind: 'refuse', message: 'the pending update names no remote digest: check it again' };
  return {
    kind: 'approve',
    update: {
      requestedAt: requestTimes(container, 'update', now),
      requestedBy: REQUESTED_BY_HOME_ASSISTANT,
      reason: 'Approved',
      digest,
      ...(entry.targetVersion === undefined ? {} : { version: entry.targetVersion }),
    },
  };
}

/** The Container with the approval in its spec. */
export function withInstall(container: Container, update: UpdateRequest): Container {
  return { ...container, spec: { ...container.spec, update } };
}
