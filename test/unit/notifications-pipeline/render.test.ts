import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderMessage } from '../../../controllers/notifications/pipeline/render.ts';
import type { NotificationPayload } from '../../../controllers/notifications/channels/sender.ts';

const batch: NotificationPayload = {
  type: 'update_available',
  timestamp: '2026-03-01T12:00:00Z',
  containers: [
    { name: 'web', host: 'local', image: 'nginx:1.25', currentVersion: '1.25', targetVersion: '1.26' },
    { name: 'db', host: 'local', image: 'postgres:16', currentVersion: '16', targetVersion: '17' },
    { name: 'cache', host: 'edge', image: 'redis:7', currentVersion: '7', targetVersion: '8' },
  ],
};

describe('renderMessage', () => {
  it('names every container of a batch with its versions by default', () => {
    const { message, templateError } = renderMessage('hook/e1', batch, undefined);
    assert.equal(templateError, undefined);
    assert.equal(message.deliveryId, 'hook/e1');
    assert.equal(message.body, 'web on local 1.25 → 1.26\ndb on local 16 → 17\ncache on edge 7 → 8');
  });
  it('uses the configured template for every container', () => {
    const { message } = renderMessage('hook/e1', batch, { update_available: 'Update: {{.ContainerName}} to {{.NewImage}}' });
    assert.equal(message.body, 'Update: web to nginx:1.26\nUpdate: db to postgres:17\nUpdate: cache to redis:8');
  });
  it('falls back to the default when the template fails, and says so', () => {
    const { message, templateError } = renderMessage('hook/e1', batch, { update_available: 'Update: {{.Nope}}' });
    assert.match(templateError ?? '', /template for update_available failed, default used/);
    assert.match(message.body, /^web on local/);
  });
});

describe('template images', () => {
  it('NewImage is the reference the update pulls, OldImage keeps a registry port', () => {
    const payload: NotificationPayload = {
      type: 'update_available',
      timestamp: '2026-03-01T12:00:00Z',
      containers: [{ name: 'web', host: 'local', image: '127.0.0.1:5000/team/app:latest', currentVersion: '1.0.0', targetVersion: '1.1.0', targetTag: 'latest', targetImage: '127.0.0.1:5000/team/app:latest' }],
    };
    const { message } = renderMessage('hook/e2', payload, { update_available: '{{.OldImage}} → {{.NewImage}}' });
    assert.equal(message.body, '127.0.0.1:5000/team/app:1.0.0 → 127.0.0.1:5000/team/app:latest');
  });
});

describe('template fields of a batch', () => {
  it('Emoji, Title and Severity are filled at send time, and every line of a batch can name the whole batch', () => {
    const { message, templateError } = renderMessage('hook/e3', batch, { update_available: '{{.Emoji}} {{.Title}} [{{.Severity}}] {{.ContainerName}} of {{.ContainerCount}}: {{.ContainerNames}}' });
    assert.equal(templateError, undefined);
    assert.equal(message.body, [
      '🆕 Update available [info] web of 3: web, db, cache',
      '🆕 Update available [info] db of 3: web, db, cache',
      '🆕 Update available [info] cache of 3: web, db, cache',
    ].join('\n'));
  });
});
