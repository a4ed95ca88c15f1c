// update_available and its dedupe (issue 14: 20 scans that find the same digest send one message). The state
// (status.notify: the last remote digest notified and when) lives on the Container in the store, so it survives
// restarts and `DELETE /api/notify-states` resets it by clearing it. A Swarm service is decided by the same rules
// (notify-subject.ts), its state in its own status.notify.
import type { Container, NotifyState } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';
import type { DerivedEvent } from './update-events.ts';
import { tagOf } from './update-events.ts';
import { containerSubject, subjectFields, type NotifySubject } from './notify-subject.ts';

export type UpdateAvailableDecision =
  | { notify: false; reason: 'no_update' | 'muted' | 'digest_only' | 'already_notified' | 'snoozed' }
  | { notify: true; event: DerivedEvent; state: NotifyState };

export function decideUpdateAvailable(container: Container, now: Date): UpdateAvailableDecision {
  return decideUpdateAvailableFor(containerSubject(container), now);
}

export function decideUpdateAvailableFor(subject: NotifySubject, now: Date): UpdateAvailableDecision {
  const check = subject.check;
  const target = check?.target;
  if (check?.updateAvailable !== true || target === undefined) return { notify: false, reason: 'no_update' };
  const mode = subject.mode;
  if (mode === 'muted') return { notify: false, reason: 'muted' };
  if (mode === 'digest_only') return { notify: false, reason: 'digest_only' };
  const digest = target.digest ?? check.remoteDigest ?? target.image;
  const seenAt = check.lastChecked ?? now.toISOString();
  const previous = subject.notify;
  if (mode === 'default' && previous?.lastNotifiedDigest === digest) {
    const snooze = subject.snooze;
    const last = previous.lastNotifiedAt === undefined ? undefined : Date.parse(previous.lastNotifiedAt);
    // Without a snooze a digest is notified once; with one, again after the snooze has passed.
    if (snooze === undefined || last === undefined || Number.isNaN(last)) return { notify: false, reason: 'already_notified' };
    if (now.getTime() - last < parseDuration(snooze, { days: true })) return { notify: false, reason: 'snoozed' };
  }
  // every_scan: one per scan, so the key names the scan (lastChecked) and a re-derivation of the same scan is still one.
  if (mode === 'every_scan' && previous?.lastNotifiedDigest === digest && previous.lastNotifiedAt === seenAt) {
    return { notify: false, reason: 'already_notified' };
  }
  const image = subject.image;
  const notifiedAt = mode === 'every_scan' ? seenAt : now.toISOString();
  return {
    notify: true,
    state: { lastNotifiedDigest: digest, lastNotifiedAt: notifiedAt },
    event: {
      key: `available/${subject.id}/${digest}/${notifiedAt}`,
      payload: {
        type: 'update_available',
        timestamp: now.toISOString(),
        containers: [{
          name: subject.name,
          host: subject.host,
          ...subjectFields(subject),
          image,
          ...(image === '' ? {} : { currentVersion: check.resolvedCurrentVersion ?? tagOf(image) }),
          // The target tag and version, which Sentinel leaves out.
          targetVersion: target.version ?? target.tag ?? tagOf(target.image),
          targetTag: target.tag ?? tagOf(target.image),
          targetImage: target.image,
          ...(check.localDigest === undefined ? {} : { currentDigest: check.localDigest }),
          targetDigest: digest,
        }],
      },
    },
  };
}
