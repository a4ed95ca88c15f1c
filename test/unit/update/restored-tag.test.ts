import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { restoredTagFor } from '../../../controllers/update/machine/restored-tag.ts';

const ID = `sha256:3f57d9401f8d${'0'.repeat(52)}`;

describe('restoredTagFor: the tag a rollback points at the old image again', () => {
  test('a tag reference gives its repository and tag, with a registry port kept in the repository', () => {
    assert.deepEqual(restoredTagFor('127.0.0.1:5000/team/app:1.0.0', ID), { repository: '127.0.0.1:5000/team/app', tag: '1.0.0' });
    assert.deepEqual(restoredTagFor('app:sentinel-backup-20250115-142900', ID), { repository: 'app', tag: 'sentinel-backup-20250115-142900' });
  });

  test('a reference without a tag is :latest, as Docker reads it', () => {
    assert.deepEqual(restoredTagFor('127.0.0.1:5000/team/app', ID), { repository: '127.0.0.1:5000/team/app', tag: 'latest' });
  });

  test('an image ID, a prefix of it, a digest reference or nothing names no tag', () => {
    for (const reference of [ID, '3f57d9401f8d', 'sha256:3f57d9401f8d', 'app@sha256:1111', '', undefined]) assert.equal(restoredTagFor(reference, ID), undefined, String(reference));
  });
});
