// Topics of Home Assistant discovery from Settings spec.haDiscovery: the prefixes, the object ids Home Assistant
// accepts, and command topics read back to their container.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { commandTopic, isUpdateConfigTopic, objectIdOf, parseCommandTopic, stateTopic, topicsOf, updateConfigTopic } from '../../../controllers/notifications/home-assistant/topics.ts';

describe('Home Assistant topics', () => {
  test('defaults: discovery under homeassistant/, Vigil\'s own topics under sentinel/', () => {
    const topics = topicsOf(undefined);
    assert.equal(topics.homeAssistantStatus, 'homeassistant/status');
    assert.equal(topics.availability, 'sentinel/status');
    assert.equal(updateConfigTopic(topics, { host: 'local', name: 'web' }), 'homeassistant/update/vigil_local_web/config');
    assert.equal(stateTopic(topics, { host: 'local', name: 'web' }), 'sentinel/local/web/state');
    assert.equal(topics.pendingSensorConfig, 'homeassistant/sensor/vigil_pending_updates/config');
  });

  test('discoveryPrefix and statePrefix move every topic (surrounding slashes ignored)', () => {
    const topics = topicsOf({ discoveryPrefix: 'ha/', statePrefix: '/home/vigil' });
    assert.equal(topics.homeAssistantStatus, 'ha/status');
    assert.equal(updateConfigTopic(topics, { host: 'nas', name: 'db' }), 'ha/update/vigil_nas_db/config');
    assert.equal(topics.availability, 'home/vigil/status');
    assert.equal(commandTopic(topics, { host: 'nas', name: 'db' }), 'home/vigil/nas/db/install');
    assert.equal(topics.commandFilter, 'home/vigil/+/+/install');
    assert.equal(topics.pendingSensorState, 'home/vigil/pending_updates');
    assert.ok(isUpdateConfigTopic(topics, 'ha/update/vigil_nas_db/config'));
    assert.ok(!isUpdateConfigTopic(topics, 'homeassistant/update/vigil_nas_db/config'));
    assert.ok(!isUpdateConfigTopic(topics, 'ha/sensor/vigil_pending_updates/config'));
  });

  test('object ids hold only what Home Assistant allows, and distinct containers get distinct ids', () => {
    assert.equal(objectIdOf({ host: 'local', name: 'my.app.v2' }), 'vigil_local_my_app_v2');
    assert.match(objectIdOf({ host: 'edge-1', name: 'x.y-z' }), /^[a-zA-Z0-9_-]+$/);
    assert.notEqual(objectIdOf({ host: 'a', name: 'b.c' }), objectIdOf({ host: 'a', name: 'b-c' }));
  });

  test('a command topic names its container; other topics name none', () => {
    const topics = topicsOf({ statePrefix: 'vigil' });
    assert.deepEqual(parseCommandTopic(topics, 'vigil/local/web/install'), { host: 'local', name: 'web' });
    assert.equal(parseCommandTopic(topics, 'vigil/local/web/state'), undefined);
    assert.equal(parseCommandTopic(topics, 'vigil/local/install'), undefined);
    assert.equal(parseCommandTopic(topics, 'other/local/web/install'), undefined);
  });
});
