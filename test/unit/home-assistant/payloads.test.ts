// The update entity's discovery config and JSON state, and the pending-updates sensor, from Container resources.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Settings } from '../../../schemas/generated/types.ts';
import { pendingCount, updateEntityConfig, updateEntityState, versionsOf } from '../../../controllers/notifications/home-assistant/payloads.ts';
import { desiredState, plan, removeAll } from '../../../controllers/notifications/home-assistant/desired.ts';
import { topicsOf } from '../../../controllers/notifications/home-assistant/topics.ts';
import { LOCAL_DIGEST, pendingContainer, upToDateContainer } from './fixtures.ts';

const topics = topicsOf({ enabled: true });

describe('Home Assistant payloads', () => {
  test('the update entity config has a unique id, the device, availability and the state topic, and no command topic while allowInstall is off', () => {
    const config = updateEntityConfig(pendingContainer(), topics, { allowInstall: false });
    assert.deepEqual(config, {
      name: 'web',
      unique_id: 'vigil_local_web',
      default_entity_id: 'update.vigil_local_web',
      device: { identifiers: ['vigil'], name: 'Vigil', manufacturer: 'Vigil', model: 'Container updates' },
      origin: { name: 'Vigil' },
      availability_topic: 'sentinel/status',
      payload_available: 'online',
      payload_not_available: 'offline',
      state_topic: 'sentinel/local/web/state',
      qos: 1,
    });
  });

  test('allowInstall adds command_topic and payload_install (the Install button)', () => {
    const config = updateEntityConfig(pendingContainer({ host: 'nas' }), topics, { allowInstall: true });
    assert.equal(config.command_topic, 'sentinel/nas/web/install');
    assert.equal(config.payload_install, 'install');
    assert.equal(config.name, 'web (nas)');
  });

  test('the state names installed and latest versions, the title, the release notes and in_progress during an update', () => {
    const settings: Settings = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { releaseSources: [{ imagePattern: 'registry.example:5000/team/*', githubRepo: 'team/app' }] } };
    assert.deepEqual(updateEntityState(pendingContainer(), settings), {
      installed_version: '1.0.0',
      latest_version: '1.1.0',
      title: 'registry.example:5000/team/app',
      release_url: 'https://github.com/team/app/releases/tag/1.1.0',
      in_progress: false,
    });
    const updating = pendingContainer({ status: { operation: { type: 'update', phase: 'Running', startedAt: '2026-12-07T10:05:00Z' } } });
    assert.equal(updateEntityState(updating, undefined).in_progress, true);
    const done = pendingContainer({ status: { operation: { type: 'update', phase: 'Succeeded', startedAt: '2026-12-07T10:05:00Z' } } });
    assert.equal(updateEntityState(done, undefined).in_progress, false);
    assert.equal(updateEntityState(pendingContainer(), undefined).release_url, undefined);
  });

  test('up to date, installed and latest are the same; a moved digest under one tag shows the short digests', () => {
    assert.deepEqual(versionsOf(upToDateContainer()), { installed: '1.0.0', latest: '1.0.0' });
    const digestOnly = pendingContainer({ status: { registryCheck: { currentTag: 'latest', updateAvailable: true, localDigest: LOCAL_DIGEST, target: { tag: 'latest', digest: 'sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789', image: 'app:latest' } } } });
    assert.deepEqual(versionsOf(digestOnly), { installed: 'latest (111111111111)', latest: 'latest (abcdef012345)' });
  });

  test('the pending sensor counts announced containers with an update; gone ones are not announced', () => {
    const gone = pendingContainer({ name: 'old', status: { state: 'gone' } });
    assert.equal(pendingCount([pendingContainer(), upToDateContainer({ name: 'db' }), gone]), 1);
    const desired = desiredState([pendingContainer(), upToDateContainer({ name: 'db' }), gone], undefined, topics, { allowInstall: false });
    assert.equal(desired.entities, 2);
    assert.deepEqual([...desired.messages.keys()], [
      'homeassistant/update/vigil_local_db/config',
      'sentinel/local/db/state',
      'homeassistant/update/vigil_local_web/config',
      'sentinel/local/web/state',
      'homeassistant/sensor/vigil_pending_updates/config',
      'sentinel/pending_updates',
    ]);
    assert.equal(desired.messages.get('sentinel/pending_updates'), '1');
  });
});

describe('Home Assistant publish plan', () => {
  test('publishes only what changed, and removes (empty retained) what is no longer desired or was left by a previous run', () => {
    const desired = new Map([['c/a', '{"a":1}'], ['s/a', '{"v":2}']]);
    const published = new Map([['c/a', '{"a":1}'], ['s/a', '{"v":1}'], ['c/gone', '{}'], ['s/gone', '{}']]);
    assert.deepEqual(plan(desired, published, new Set(['c/old', 'c/a'])), [
      { topic: 's/a', payload: '{"v":2}' },
      { topic: 'c/gone', payload: '' },
      { topic: 'c/old', payload: '' },
      { topic: 's/gone', payload: '' },
    ]);
    assert.deepEqual(plan(desired, desired, new Set()), [], 'nothing to do twice');
  });

  test('disabling removes everything retained', () => {
    assert.deepEqual(removeAll(new Map([['c/a', 'x'], ['s/a', 'y']]), new Set(['c/b'])), [
      { topic: 'c/a', payload: '' },
      { topic: 'c/b', payload: '' },
      { topic: 's/a', payload: '' },
    ]);
  });
});
