// The tag a rollback points at the old image ID again, so that it looks exactly like before: image cleanup removed
// the tag with the old image, or a pull of the same tag moved it, and without this the restored container would show
// REPO@DIGEST or an image ID where the user, compose and `docker ps` saw REPO:TAG. Backup tags are left as they are.
import { repositoryOf } from './backup-tag.ts';

export interface ImageTag {
  repository: string;
  tag: string;
}

/**
 * The tag to point at `imageID` for a container whose Config.Image was `reference` (`alpine` → alpine:latest);
 * undefined when the reference names no tag: a digest reference, or the image ID or a prefix of it.
 */
export function restoredTagFor(reference: string | undefined, imageID: string): ImageTag | undefined {
  if (reference === undefined || reference === '' || reference.includes('@') || reference.startsWith('sha256:')) return undefined;
  if (/^[0-9a-f]+$/.test(reference) && imageID.replace(/^sha256:/, '').startsWith(reference)) return undefined;
  const repository = repositoryOf(reference);
  const tag = reference.length > repository.length ? reference.slice(repository.length + 1) : 'latest';
  return { repository, tag };
}
