// When a container's last registry check was of an image it no longer runs: the trigger that rechecks it after an
// update or a rollback (and must not fire again once the recheck recorded the new image, or it would loop).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkedAnotherImage } from '../../../domain/registry/checked-image.ts';
import type { ContainerStatus } from '../../../schemas/generated/types.ts';

const OLD = `sha256:${'a'.repeat(64)}`;
const NEW = `sha256:${'b'.repeat(64)}`;
const LOCAL_ID = `sha256:${'c'.repeat(64)}`;

function container(status: ContainerStatus): { status: ContainerStatus } {
  return { status };
}

describe('checkedAnotherImage', () => {
  it('is false for a container never checked, or checked on the digest it runs', () => {
    assert.equal(checkedAnotherImage(container({ image: 'registry.test/team/app:1', repoDigests: [`registry.test/team/app@${OLD}`] })), false);
    assert.equal(checkedAnotherImage(container({ image: 'registry.test/team/app:1', repoDigests: [`registry.test/team/app@${OLD}`], registryCheck: { localDigest: OLD } })), false);
  });

  it('is true once the container runs an image whose digest is not the checked one', () => {
    assert.equal(checkedAnotherImage(container({ image: 'registry.test/team/app:2', repoDigests: [`registry.test/team/app@${NEW}`], registryCheck: { localDigest: OLD } })), true);
  });

  it('compares digests of the image\'s own repository only, and accepts an image ID for a local image', () => {
    assert.equal(checkedAnotherImage(container({ image: 'registry.test/team/app:2', repoDigests: [`registry.test/other@${OLD}`], registryCheck: { localDigest: OLD } })), true);
    assert.equal(checkedAnotherImage(container({ image: 'app:local', imageID: LOCAL_ID, repoDigests: [], registryCheck: { localDigest: LOCAL_ID } })), false);
  });

  it('is false while the inventory has not recorded the image', () => {
    assert.equal(checkedAnotherImage(container({ registryCheck: { localDigest: OLD } })), false);
  });
});
