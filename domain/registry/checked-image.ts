// Whether a container's registry check still describes the image it runs. After an update, a rollback or an update to
// a chosen tag, the check on record was made against the image before it: the registry-check controller checks again
// at once, and until then nothing may act on the old finding (an auto-update would take the container back to the
// "newer" version the old check found, a downgrade after an update to a newer chosen tag).
import type { Container } from '../../schemas/generated/types.ts';
import { parseImageReference, repoDigestsFor } from './reference.ts';

/**
 * Whether the last check was of an image the container no longer runs: its local digest is neither among the
 * container's repo digests for that image's repository nor its image ID. False when it was never checked.
 */
export function checkedAnotherImage(container: Pick<Container, 'status'> | undefined): boolean {
  const status = container?.status;
  const checked = status?.registryCheck?.localDigest;
  if (checked === undefined || status?.image === undefined || status.image === '') return false;
  if (status.imageID === checked) return false;
  let digests: string[];
  try {
    digests = repoDigestsFor(parseImageReference(status.image), status.repoDigests ?? []);
  } catch {
    return false;
  }
  return !digests.includes(checked);
}
