// Hooks through the REST facade are Hook resources: POST creates or replaces `<host>-<container>-<phase>` selecting
// that one container, GET lists every Hook that applies to it, DELETE removes the REST one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hook } from '../../../schemas/generated/types.ts';
import { addContainer, assertError, startFacade, type TestApi } from './fixtures.ts';

let api: TestApi;

before(async () => {
  api = await startFacade();
  await addContainer(api, { name: 'postgres', status: { labels: { tier: 'db' } } });
  await addContainer(api, { name: 'postgres', host: 'edge-1', status: { labels: { tier: 'db' } } });
  // A Hook written elsewhere (kubectl, git) that selects the container by label.
  await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Hook', metadata: { name: 'db-backup' }, spec: { selector: { matchLabels: { tier: 'db' } }, hosts: ['local'], phase: 'pre-update', command: ['backup'] } });
});
after(async () => await api.close());

describe('hooks', () => {
  test('POST creates the Hook resource and answers the reference body', async () => {
    const body = { phase: 'pre-update', command: ['sh', '-c', 'pg_dump > backup.sql'], timeout: 60 };
    const response = await api.request('POST', '/api/hooks/postgres', { body });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { container_name: 'postgres', ...body });
    const hook = (await api.resources.get('Hook', undefined, 'local-postgres-pre-update')) as unknown as Hook;
    assert.deepEqual(hook.spec, { containerNames: ['postgres'], hosts: ['local'], phase: 'pre-update', command: body.command, timeoutSeconds: 60 });
  });

  test('POST again replaces the command; the default timeout is 30 seconds', async () => {
    await api.request('POST', '/api/hooks/postgres', { body: { phase: 'pre-update', command: ['true'] } });
    const hook = (await api.resources.get('Hook', undefined, 'local-postgres-pre-update')) as unknown as Hook;
    assert.deepEqual({ command: hook.spec.command, timeout: hook.spec.timeoutSeconds }, { command: ['true'], timeout: 30 });
  });

  test('GET lists every Hook that applies to the container, with its source, and only those of its host', async () => {
    await api.request('POST', '/api/hooks/postgres?host=edge-1', { body: { phase: 'post-update', command: ['notify'] } });
    const local = (await api.request('GET', '/api/hooks/postgres')).json<Array<Record<string, unknown>>>();
    assert.deepEqual(local.map((hook) => [hook.phase, hook.command, hook.source]), [
      ['pre-update', ['backup'], 'hook/db-backup'],
      ['pre-update', ['true'], 'hook/local-postgres-pre-update'],
    ]);
    const edge = (await api.request('GET', '/api/hooks/postgres?host=edge-1')).json<Array<Record<string, unknown>>>();
    assert.deepEqual(edge.map((hook) => [hook.phase, hook.command, hook.timeout]), [['post-update', ['notify'], 30]]);
  });

  test('bad bodies are 400s naming the field', async () => {
    assertError(await api.request('POST', '/api/hooks/postgres', { body: { phase: 'during-update', command: ['x'] } }), 400, /^phase: must be one of "pre-update", "post-update"/);
    assertError(await api.request('POST', '/api/hooks/postgres', { body: { phase: 'pre-update', command: 'pg_dump' } }), 400, /^command: must be an array/);
    assertError(await api.request('POST', '/api/hooks/postgres', { body: { phase: 'pre-update', command: [] } }), 400, /^command: must NOT have fewer than 1 items/);
    assertError(await api.request('POST', '/api/hooks/postgres', { body: { phase: 'pre-update', command: ['x'], timeout: 0 } }), 400, /^timeout: must be >= 1/);
    assertError(await api.request('POST', '/api/hooks/ghost', { body: { phase: 'pre-update', command: ['x'] } }), 404, /not found/);
  });

  test('DELETE removes the Hook; again, or a bad phase, is an error', async () => {
    const response = await api.request('DELETE', '/api/hooks/postgres/pre-update');
    assert.equal(response.status, 200, response.text);
    await assert.rejects(api.resources.get('Hook', undefined, 'local-postgres-pre-update'), /not found/);
    assertError(await api.request('DELETE', '/api/hooks/postgres/pre-update'), 404, /no pre-update hook of "postgres"/);
    assertError(await api.request('DELETE', '/api/hooks/postgres/sometime'), 400, /^phase: must be one of pre-update, post-update/);
  });
});
