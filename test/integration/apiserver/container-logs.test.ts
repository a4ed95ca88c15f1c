// The Container log subresource: text/plain from the provider the server was given, or a Status when it cannot answer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../apiserver/resources/errors.ts';
import { container, GROUP_PATH, startApi, statusOf, type TestApi } from './fixtures/api.ts';

describe('container logs', () => {
  let api: TestApi;
  let without: TestApi;
  const asked: Array<{ namespace: string; name: string; tailLines: number }> = [];
  before(async () => {
    api = await startApi({
      app: {
        garbageCollection: false,
        containerLogs: async (namespace, name, { tailLines }) => {
          asked.push({ namespace, name, tailLines });
          if (name === 'vanished') throw new ApiError(404, 'NotFound', `no Docker container for ${namespace}/${name}`);
          return `line 1 of ${namespace}/${name}\nline 2\n`;
        },
      },
    });
    without = await startApi({ app: { garbageCollection: false } });
    for (const target of [api, without]) {
      await target.resources.create(container('web'));
      await target.resources.create(container('vanished'));
    }
  });
  after(async () => {
    await api.close();
    await without.close();
  });

  test('answers the provider\'s text as text/plain, 50 lines by default, at most 500', async () => {
    const response = await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log`);
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    assert.equal(response.text, 'line 1 of local/web\nline 2\n');
    await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log?tailLines=10`);
    await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log?tailLines=100000`);
    assert.deepEqual(asked.map((call) => call.tailLines), [50, 10, 500]);
  });

  test('a Container that is not a resource is 404 without asking the engine; the provider\'s NotFound passes through', async () => {
    const before = asked.length;
    assert.equal(statusOf(await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/ghost/log`)).code, 404);
    assert.equal(asked.length, before);
    assert.equal(statusOf(await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/vanished/log`)).code, 404);
  });

  test('bad parameters are 400; a server without a log provider answers 503', async () => {
    assert.equal(statusOf(await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log?tailLines=-1`)).code, 400);
    assert.equal(statusOf(await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log?follow=true`)).code, 400);
    const unavailable = statusOf(await without.request('GET', `${GROUP_PATH}/namespaces/local/containers/web/log`));
    assert.equal(unavailable.code, 503);
    assert.equal(unavailable.reason, 'ServiceUnavailable');
  });
});
