// version_available: a newer version exists that the container's version scope will not take (a new major under
// `versionScope: minor`, say), so no update is offered for it and somebody has to decide. Sentinel lists the type
// but never sends it. Derived from the registry check's status.registryCheck.newestBeyondScope and deduped like
// update_available (update-available.ts): the modes gate it, one message per newest beyond-scope version (again
// after `sentinel.notify-snooze`), `every_scan` once per scan; the state (lastNotifiedVersion, lastVersionNotifiedAt
// in status.notify) lives in the store and `DELETE /api/notify-states` clears it. Swarm services: the same rules over
// their status (notify-subject.ts).
import type { Container, NotifyState } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';
import type { DerivedEvent } from './update-events.ts';
import { tagOf, withTag } from './update-events.ts';
import { containerSubject, subjectFields, type NotifySubject } from './notify-subject.ts';

export type VersionAvailableDecision =
  | { notify: false; reason: 'no_version' | 'muted' | 'digest_only' | 'already_notified' | 'snoozed' }
  | { notify: true; event: DerivedEvent; state: NotifyState };

export function decideVersionAvailable(container: Container, now: Date): VersionAvailableDecision {
  return decideVersionAvailableFor(containerSubject(container), now);
}

export function decideVersionAvailableFor(subject: NotifySubject, now: Date): VersionAvailableDecision {
  const check = subject.check;
  const version = check?.newestBeyondScope;
  if (version === undefined || version === '') return { notify: false, reason: 'no_version' };
  const mode = subject.mode;
  if (mode === 'muted') return { notify: false, reason: 'muted' };
  if (mode === 'digest_only') return { notify: false, reason: 'digest_only' };
  const seenAt = check?.lastChecked ?? now.toISOString();
  const previous = subject.notify;
  if (mode === 'default' && previous?.lastNotifiedVersion === version) {
    const snooze = subject.snooze;
    const last = previous.lastVersionNotifiedAt === undefined ? undefined : Date.parse(previous.lastVersionNotifiedAt);
    if (snooze === undefined || last === undefined || Number.isNaN(last)) return { notify: false, reason: 'already_notified' };
    if (now.getTime() - last < parseDuration(snooze, { days: true })) return { notify: false, reason: 'snoozed' };
  }
  if (mode === 'every_scan' && previous?.lastNotifiedVersion === version && previous.lastVersionNotifiedAt === seenAt) {
    return { notify: false, reason: 'already_notified' };
  }
  const image = subject.image;
  const notifiedAt = mode === 'every_scan' ? seenAt : now.toISOString();
  return {
    notify: true,
    state: { lastNotifiedVersion: version, lastVersionNotifiedAt: notifiedAt },
    event: {
      key: `version/${subject.id}/${version}/${notifiedAt}`,
      payload: {
        type: 'version_available',
        timestamp: now.toISOString(),
        containers: [{
          name: subject.name,
          host: subject.host,
          ...subjectFields(subject),
          image,
          ...(image === '' ? {} : { currentVersion: check?.resolvedCurrentVersion ?? tagOf(image) }),
          targetVersion: version,
          targetTag: version,
          ...(image === '' ? {} : { targetImage: withTag(image, version) }),
        }],
      },
    },
  };
}
