// The registry client against a real registry (Debian's docker-registry) in each of its modes, and against a proxy in
// front of it that adds rate-limit headers, answers 429 and answers garbage.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkContainer } from '../../../controllers/registry/check.ts';
import type { RegistryClock } from '../../../controllers/registry/clock.ts';
import { RegistryClient, type RegistryClientOptions } from '../../../controllers/registry/client.ts';
import { RegistryError } from '../../../domain/registry/errors.ts';
import { MEDIA_TYPES } from '../../../controllers/registry/manifest.ts';
import type { RegistryConfig } from '../../../controllers/registry/session.ts';
import { putManifest, pushImage, pushIndex } from '../../testbed/registry-push.ts';
import { startRegistryProxy, type RegistryProxy } from '../../testbed/registry-proxy.ts';
import { startRegistry, TEST_PASSWORD, type TestRegistry } from '../../testbed/registry.ts';

/** Time that moves only when told to, and sleeps that return at once (recorded), so backoffs cost no real time. */
class SteppingClock implements RegistryClock {
  time = Date.now();
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }
}

function clientFor(server: string, config: Omit<RegistryConfig, 'server'>, options: RegistryClientOptions = {}): RegistryClient {
  return new RegistryClient({ config: (name) => (name === server ? { server, ...config } : undefined), ...options });
}

async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof RegistryError, `expected a RegistryError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

describe('registry client: anonymous registry over plain HTTP', () => {
  let registry: TestRegistry;
  let pushed: Awaited<ReturnType<typeof pushImage>>;

  before(async () => {
    registry = await startRegistry({ mode: 'anonymous' });
    pushed = await pushImage(registry, 'team/app', ['1.0.0', '1.0'], { version: '1.0.0' });
    await pushImage(registry, 'team/app', ['1.1.0'], { version: '1.1.0' });
  });
  after(async () => {
    await registry.cleanup();
  });

  it('lists tags and reads digests by HEAD, falling back from HTTPS to HTTP once on loopback', async () => {
    const client = clientFor(registry.server, {});
    try {
      const tags = await client.listTags({ registry: registry.server, repository: 'team/app' });
      assert.deepEqual([...tags].sort(), ['1.0', '1.0.0', '1.1.0']);
      const head = await client.headManifest({ registry: registry.server, repository: 'team/app', reference: '1.0.0' });
      assert.deepEqual(head, { digest: pushed.digest, mediaType: MEDIA_TYPES.dockerManifest });
      // One refused TLS handshake (no HTTP request: not counted), then plain HTTP for good.
      assert.deepEqual(client.stats(registry.server).byKind, { tags: 1, manifestHead: 1, manifestGet: 0, token: 0 });
    } finally {
      await client.close();
    }
  });

  it('fetches one tag list per repository however many ask at once, and none again within the TTL', async () => {
    const clock = new SteppingClock();
    const client = clientFor(registry.server, { insecure: true, tagListTTLMs: 60_000 }, { clock });
    try {
      const lists = await Promise.all(Array.from({ length: 20 }, () => client.listTags({ registry: registry.server, repository: 'team/app' })));
      assert.ok(lists.every((tags) => tags.length === 3));
      assert.equal(client.stats(registry.server).byKind.tags, 1);
      clock.time += 59_000;
      await client.listTags({ registry: registry.server, repository: 'team/app' });
      assert.equal(client.stats(registry.server).byKind.tags, 1, 'reused within the TTL');
      clock.time += 2000;
      await client.listTags({ registry: registry.server, repository: 'team/app' });
      assert.equal(client.stats(registry.server).byKind.tags, 2, 'fetched again after the TTL');
      await client.listTags({ registry: registry.server, repository: 'team/app' }, { maxAgeMs: 0 });
      assert.equal(client.stats(registry.server).byKind.tags, 3, 'maxAgeMs 0 forces a fetch');
    } finally {
      await client.close();
    }
  });

  it('says which repository or tag does not exist', async () => {
    const client = clientFor(registry.server, { insecure: true });
    try {
      const missingTag = await rejection(client.headManifest({ registry: registry.server, repository: 'team/app', reference: '9.9.9' }));
      assert.equal(missingTag.code, 'not_found');
      assert.match(missingTag.message, /HEAD \/v2\/team\/app\/manifests\/9\.9\.9: HTTP 404/);
      const missingRepository = await rejection(client.listTags({ registry: registry.server, repository: 'team/none' }));
      assert.equal(missingRepository.code, 'not_found');
      assert.match(missingRepository.message, /NAME_UNKNOWN/);
    } finally {
      await client.close();
    }
  });
});

describe('registry client: multi-architecture index', () => {
  let registry: TestRegistry;
  let index: Awaited<ReturnType<typeof pushIndex>>;

  before(async () => {
    registry = await startRegistry({ mode: 'anonymous' });
    index = await pushIndex(registry, 'team/multi', ['latest', '2.0.0'], { version: '2.0.0', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }] });
  });
  after(async () => {
    await registry.cleanup();
  });

  it('HEAD answers the index digest and media type; the index is read once by GET and cached by digest', async () => {
    const client = clientFor(registry.server, { insecure: true });
    try {
      const head = await client.headManifest({ registry: registry.server, repository: 'team/multi', reference: 'latest' });
      assert.deepEqual(head, { digest: index.digest, mediaType: MEDIA_TYPES.ociIndex });
      const first = await client.getManifest({ registry: registry.server, repository: 'team/multi', reference: index.digest });
      assert.equal(first.manifest.kind, 'index');
      assert.deepEqual(first.manifest.kind === 'index' ? first.manifest.manifests.map((entry) => entry.digest) : [], index.manifests.map((manifest) => manifest.digest));
      await client.getManifest({ registry: registry.server, repository: 'team/multi', reference: index.digest });
      assert.equal(client.stats(registry.server).byKind.manifestGet, 1);
    } finally {
      await client.close();
    }
  });

  it('a container whose image is this index\'s arm/v7 entry is up to date; on later checks only a HEAD is sent', async () => {
    const client = clientFor(registry.server, { insecure: true });
    const arm = index.manifests[2];
    assert.ok(arm !== undefined);
    try {
      const check = {
        image: `${registry.server}/team/multi:latest`,
        imageID: arm.configDigest,
        repoDigests: [`${registry.server}/team/multi@${arm.digest}`],
        platform: { os: 'linux', architecture: 'armv7l' },
        labels: { 'org.opencontainers.image.version': '2.0.0' },
        scope: 'major' as const,
        policy: 'manual' as const,
        now: Date.now(),
      };
      const first = await checkContainer(check, client);
      assert.equal(first.outcome, 'up_to_date');
      const before = client.stats(registry.server);
      const second = await checkContainer({ ...check, previous: { registryCheck: first.registryCheck } }, client);
      assert.equal(second.outcome, 'up_to_date');
      const after = client.stats(registry.server);
      assert.equal(after.requests - before.requests, 1);
    } finally {
      await client.close();
    }
  });
});

describe('registry client: Bearer tokens from a token service', () => {
  let registry: TestRegistry;
  let pushed: Awaited<ReturnType<typeof pushImage>>;

  before(async () => {
    registry = await startRegistry({ mode: 'token', tokenCredentials: true });
    pushed = await pushImage(registry, 'team/app', ['1.0.0'], { version: '1.0.0' });
    await pushImage(registry, 'team/other', ['1.0.0'], { version: '1.0.0' });
  });
  after(async () => {
    await registry.cleanup();
  });

  it('follows the challenge, caches one token per repository until it expires', async () => {
    const clock = new SteppingClock();
    const service = registry.tokenService;
    assert.ok(service !== undefined && registry.credentials !== undefined);
    const client = clientFor(registry.server, { insecure: true, credentials: registry.credentials }, { clock });
    try {
      const startRequests = service.requests;
      const head = await client.headManifest({ registry: registry.server, repository: 'team/app', reference: '1.0.0' });
      assert.equal(head.digest, pushed.digest);
      await client.listTags({ registry: registry.server, repository: 'team/app' });
      await client.headManifest({ registry: registry.server, repository: 'team/other', reference: '1.0.0' });
      assert.equal(service.requests - startRequests, 2, 'one token per repository');
      assert.deepEqual(service.scopes.slice(-2), ['repository:team/app:pull', 'repository:team/other:pull']);
      // 1 challenge (401) + 3 answered requests; the second repository needed no 401 round.
      assert.equal(client.stats(registry.server).requests, 4);
      clock.time += 300_000;
      await client.headManifest({ registry: registry.server, repository: 'team/app', reference: '1.0.0' });
      assert.equal(service.requests - startRequests, 3, 'a new token after expiry');
    } finally {
      await client.close();
    }
  });

  it('refuses wrong credentials with a clear error that never contains the password', async () => {
    const client = clientFor(registry.server, { insecure: true, credentials: { username: 'vigil', password: 'wrong-password-123' } });
    try {
      const error = await rejection(client.listTags({ registry: registry.server, repository: 'team/app' }));
      assert.equal(error.code, 'unauthorized');
      assert.match(error.message, /token service http:\/\/127\.0\.0\.1:\d+\/token refused the credentials of vigil \(HTTP 401\)/);
      assert.doesNotMatch(error.message + String(client.stats(registry.server).lastError), /wrong-password-123/);
    } finally {
      await client.close();
    }
  });
});

describe('registry client: Basic over TLS with a private CA', () => {
  let registry: TestRegistry;
  let pushed: Awaited<ReturnType<typeof pushImage>>;

  before(async () => {
    registry = await startRegistry({ mode: 'basic' });
    pushed = await pushImage(registry, 'team/app', ['1.0.0'], { version: '1.0.0' });
  });
  after(async () => {
    await registry.cleanup();
  });

  it('authenticates with Basic after one challenge and trusts the configured CA', async () => {
    assert.ok(registry.credentials !== undefined && registry.caPem !== undefined);
    const client = clientFor(registry.server, { credentials: registry.credentials, ca: registry.caPem });
    try {
      const head = await client.headManifest({ registry: registry.server, repository: 'team/app', reference: '1.0.0' });
      assert.equal(head.digest, pushed.digest);
      await client.listTags({ registry: registry.server, repository: 'team/app' });
      assert.equal(client.stats(registry.server).requests, 3, 'one 401, then Basic sent up front');
    } finally {
      await client.close();
    }
  });

  it('fails with a TLS error naming the cause when the CA is not configured', async () => {
    assert.ok(registry.credentials !== undefined);
    const client = clientFor(registry.server, { credentials: registry.credentials });
    try {
      const error = await rejection(client.listTags({ registry: registry.server, repository: 'team/app' }));
      assert.equal(error.code, 'tls');
      assert.match(error.message, /TLS handshake failed: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) \(is its CA configured in the Registry resource\?\)/);
    } finally {
      await client.close();
    }
  });

  it('refuses a wrong password and a missing one without revealing anything', async () => {
    assert.ok(registry.caPem !== undefined);
    const wrong = clientFor(registry.server, { credentials: { username: 'vigil', password: 'not-the-password' }, ca: registry.caPem });
    const none = clientFor(registry.server, { ca: registry.caPem });
    try {
      const refused = await rejection(wrong.listTags({ registry: registry.server, repository: 'team/app' }));
      assert.equal(refused.code, 'unauthorized');
      assert.doesNotMatch(refused.message, /not-the-password/);
      assert.doesNotMatch(refused.message, new RegExp(Buffer.from('vigil:not-the-password').toString('base64')));
      const missing = await rejection(none.listTags({ registry: registry.server, repository: 'team/app' }));
      assert.match(missing.message, /wants Basic credentials and none are configured/);
      assert.doesNotMatch(missing.message, new RegExp(TEST_PASSWORD));
    } finally {
      await wrong.close();
      await none.close();
    }
  });
});

describe('registry client: rate limits and garbage through a proxy', () => {
  let registry: TestRegistry;
  let proxy: RegistryProxy;
  let pushed: Awaited<ReturnType<typeof pushImage>>;

  before(async () => {
    registry = await startRegistry({ mode: 'anonymous' });
    pushed = await pushImage(registry, 'team/app', ['1.0.0', '1.1.0'], { version: '1.0.0' });
    proxy = await startRegistryProxy(registry.url);
  });
  after(async () => {
    await proxy.stop();
    await registry.cleanup();
  });

  const ref = (reference = '1.0.0'): { registry: string; repository: string; reference: string } => ({ registry: proxy.server, repository: 'team/app', reference });

  it('tracks Docker Hub rate-limit headers and keeps the scheduled and manual reserves', async () => {
    proxy.setRateLimit({ limit: 100, remaining: 13, windowSeconds: 21600, style: 'docker' });
    const client = clientFor(proxy.server, { insecure: true }, { clock: new SteppingClock() });
    try {
      await client.headManifest(ref());
      assert.deepEqual({ ...client.rateLimit(proxy.server), observedAt: 0 }, { observedAt: 0, limit: 100, remaining: 12, windowSeconds: 21600 });
      await client.headManifest(ref('1.1.0'));
      await client.listTags(ref());
      const refused = await rejection(client.headManifest(ref()));
      assert.equal(refused.code, 'rate_limited');
      assert.match(refused.message, /request budget down to the scheduled reserve of 10/);
      await client.headManifest(ref(), { purpose: 'manual' });
      assert.equal(client.rateLimit(proxy.server)?.remaining, 9);
      assert.equal(client.stats(proxy.server).requests, 4, 'the refused request was never sent');
    } finally {
      proxy.setRateLimit(undefined);
      await client.close();
    }
  });

  it('reads GitHub-style X-RateLimit headers', async () => {
    proxy.setRateLimit({ limit: 5000, remaining: 4000, windowSeconds: 3600, style: 'github' });
    const client = clientFor(proxy.server, { insecure: true });
    try {
      await client.headManifest(ref());
      const state = client.rateLimit(proxy.server);
      assert.equal(state?.limit, 5000);
      assert.equal(state?.remaining, 3999);
      assert.ok(state?.reset !== undefined && state.reset > Date.now());
    } finally {
      proxy.setRateLimit(undefined);
      await client.close();
    }
  });

  it('waits as long as Retry-After says on a 429 and retries', async () => {
    const clock = new SteppingClock();
    const client = clientFor(proxy.server, { insecure: true }, { clock });
    proxy.inject({ kind: 'status', status: 429, headers: { 'retry-after': '7' } }, { path: /manifests/ });
    try {
      const head = await client.headManifest(ref());
      assert.equal(head.digest, pushed.digest);
      assert.deepEqual(clock.sleeps, [7000]);
      assert.equal(client.stats(proxy.server).byKind.manifestHead, 2);
    } finally {
      await client.close();
    }
  });

  it('backs off exponentially on a 429 without Retry-After, then gives up as rate_limited', async () => {
    const clock = new SteppingClock();
    const client = clientFor(proxy.server, { insecure: true }, { clock, maxRetries: 2 });
    proxy.inject({ kind: 'status', status: 429 }, { path: /manifests/, times: 3 });
    try {
      const error = await rejection(client.headManifest(ref()));
      assert.equal(error.code, 'rate_limited');
      assert.match(error.message, /HTTP 429 Too Many Requests after 2 retries/);
      assert.deepEqual(clock.sleeps, [1000, 2000]);
      assert.ok(error.retryAt !== undefined);
    } finally {
      await client.close();
    }
  });

  it('does not wait for a Retry-After beyond its limit', async () => {
    const clock = new SteppingClock();
    const client = clientFor(proxy.server, { insecure: true }, { clock });
    proxy.inject({ kind: 'status', status: 429, headers: { 'retry-after': '3600' } }, { path: /tags/ });
    try {
      const error = await rejection(client.listTags(ref()));
      assert.equal(error.code, 'rate_limited');
      assert.deepEqual(clock.sleeps, []);
      assert.equal(error.retryAt, clock.time + 3_600_000);
    } finally {
      await client.close();
    }
  });

  for (const style of ['link', 'last'] as const) {
    it(`follows pagination (${style === 'link' ? 'Link headers' : 'full pages continued with last'}) for a repository with more tags than a page`, async () => {
      const tags = Array.from({ length: 120 }, (_, i) => `0.${i}.0`);
      // Many tags cheaply: one image, its manifest PUT again under every other tag.
      const base = await pushImage(registry, 'team/many', ['0.0.0'], { version: 'many' });
      const manifest = await registry.api('GET', `/v2/team/many/manifests/${base.digest}`, { headers: { accept: MEDIA_TYPES.dockerManifest } });
      for (const tag of tags.slice(1)) await putManifest(registry, 'team/many', tag, MEDIA_TYPES.dockerManifest, manifest.body);
      proxy.paginateTags(style);
      const client = clientFor(proxy.server, { insecure: true }, { tagPageSize: 50 });
      try {
        const listed = await client.listTags({ registry: proxy.server, repository: 'team/many' });
        assert.deepEqual([...listed].sort(), [...tags].sort());
        // 50 + 50 + 20; without Link headers a full page asks once more.
        assert.equal(client.stats(proxy.server).byKind.tags, 3);
      } finally {
        proxy.paginateTags(undefined);
        await client.close();
      }
    });
  }

  it('takes a registry that ignores the page size (distribution 2.8) at its word: one request for every tag', async () => {
    const client = clientFor(proxy.server, { insecure: true }, { tagPageSize: 1 });
    try {
      const listed = await client.listTags(ref());
      assert.deepEqual([...listed].sort(), ['1.0.0', '1.1.0']);
      assert.equal(client.stats(proxy.server).byKind.tags, 1);
    } finally {
      await client.close();
    }
  });

  const garbage: Array<{ fault: Parameters<RegistryProxy['inject']>[0]; call: 'tags' | 'head'; code: RegistryError['code']; message: RegExp }> = [
    { fault: { kind: 'html' }, call: 'tags', code: 'bad_response', message: /tags\/list\?n=1000: answered an HTML page instead of JSON/ },
    { fault: { kind: 'html' }, call: 'head', code: 'bad_response', message: /answered text\/html instead of a manifest/ },
    { fault: { kind: 'bad-json' }, call: 'tags', code: 'bad_response', message: /the tag list is not JSON \(starts with "\{\\"tags\\": \[\\"1\.0\\","\)/ },
    { fault: { kind: 'wrong-content-type' }, call: 'tags', code: 'bad_response', message: /answered content type text\/plain \(starts with "not what you asked for"\) instead of JSON/ },
    { fault: { kind: 'truncated' }, call: 'tags', code: 'network', message: /closed before a complete answer|truncated/ },
    { fault: { kind: 'reset' }, call: 'tags', code: 'network', message: /closed before a complete answer/ },
    { fault: { kind: 'status', status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' }, call: 'tags', code: 'server_error', message: /HTTP 502 \(an HTML page\)/ },
    { fault: { kind: 'status', status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"team/app"}' }, call: 'tags', code: 'bad_response', message: /the answer has no "tags"/ },
    { fault: { kind: 'status', status: 200, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': 'not-a-digest' } }, call: 'head', code: 'bad_response', message: /Docker-Content-Digest "not-a-digest" is not a digest/ },
  ];
  for (const row of garbage) {
    it(`gives a clear ${row.code} error for ${row.fault.kind}${row.fault.kind === 'status' ? ` ${row.fault.status}` : ''} on ${row.call}`, async () => {
      const client = clientFor(proxy.server, { insecure: true });
      proxy.inject(row.fault, { path: row.call === 'tags' ? /tags/ : /manifests/ });
      try {
        const error = await rejection(row.call === 'tags' ? client.listTags(ref()) : client.headManifest(ref()));
        assert.equal(error.code, row.code);
        assert.match(error.message, row.message);
        assert.ok(error.message.startsWith(`registry ${proxy.server}: `));
      } finally {
        await client.close();
      }
    });
  }

  it('times out a registry that never answers', async () => {
    const client = clientFor(proxy.server, { insecure: true }, { timeoutMs: 400 });
    proxy.inject({ kind: 'hang' }, { path: /tags/ });
    try {
      const error = await rejection(client.listTags(ref()));
      assert.equal(error.code, 'timeout');
      assert.match(error.message, /no complete answer within 400 ms/);
    } finally {
      await client.close();
    }
  });

  it('falls back to a GET (digest of the body) when a HEAD answer has no Docker-Content-Digest', async () => {
    const client = clientFor(proxy.server, { insecure: true });
    proxy.inject({ kind: 'strip-header', header: 'docker-content-digest' }, { path: /manifests/ });
    try {
      const head = await client.headManifest(ref());
      assert.equal(head.digest, pushed.digest);
      assert.deepEqual(client.stats(proxy.server).byKind, { tags: 0, manifestHead: 1, manifestGet: 1, token: 0 });
    } finally {
      await client.close();
    }
  });

  it('refuses plain HTTP to a server that is not on loopback', async () => {
    const client = clientFor('registry.example.com', { insecure: true });
    try {
      const error = await rejection(client.listTags({ registry: 'registry.example.com', repository: 'a/b' }));
      assert.equal(error.code, 'config');
      assert.equal(client.stats('registry.example.com').requests, 0);
    } finally {
      await client.close();
    }
  });
});
