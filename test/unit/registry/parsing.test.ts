// Image references, auth challenges, rate-limit headers, Docker config credentials, masking and platform matching.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge } from '../../../controllers/registry/challenge.ts';
import { credentialsFromDockerConfig, SecretMasker } from '../../../controllers/registry/credentials.ts';
import { selectPlatformManifest, type IndexEntry } from '../../../controllers/registry/manifest.ts';
import { parseRateLimitHeaders, parseRetryAfter, RateLimitGate, rateLimitHealth } from '../../../controllers/registry/rate-limit.ts';
import { apiHost, canonicalRegistry, isLoopbackServer, parseImageReference, repoDigestsFor } from '../../../domain/registry/reference.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  const rows: Array<[string, { registry: string; repository: string; tag?: string; digest?: string }]> = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['nginx:1.25', { registry: 'docker.io', repository: 'library/nginx', tag: '1.25' }],
    ['gitea/gitea:1.21', { registry: 'docker.io', repository: 'gitea/gitea', tag: '1.21' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['registry-1.docker.io/org/app:2', { registry: 'docker.io', repository: 'org/app', tag: '2' }],
    ['ghcr.io/owner/app:v1.2.3', { registry: 'ghcr.io', repository: 'owner/app', tag: 'v1.2.3' }],
    ['localhost:5000/team/app', { registry: 'localhost:5000', repository: 'team/app', tag: 'latest' }],
    ['localhost/app:1', { registry: 'localhost', repository: 'app', tag: '1' }],
    ['127.0.0.1:5000/a/b/c:x', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'x' }],
    [`nginx@${DIGEST}`, { registry: 'docker.io', repository: 'library/nginx', digest: DIGEST }],
    [`quay.io/org/app:1.0@${DIGEST}`, { registry: 'quay.io', repository: 'org/app', tag: '1.0', digest: DIGEST }],
    ['Registry.Example.COM:443/app:1', { registry: 'registry.example.com', repository: 'app', tag: '1' }],
  ];
  for (const [text, expected] of rows) {
    it(`reads ${text}`, () => {
      const parsed = parseImageReference(text);
      assert.deepEqual({ registry: parsed.registry, repository: parsed.repository, tag: parsed.tag, digest: parsed.digest }, { tag: undefined, digest: undefined, ...expected });
    });
  }

  it('refuses what Docker refuses, saying why', () => {
    assert.throws(() => parseImageReference('UPPER/case'), /bad repository name component "UPPER"/);
    assert.throws(() => parseImageReference('app:bad tag'), /bad tag/);
    assert.throws(() => parseImageReference('app@sha256:short'), /bad digest/);
    assert.throws(() => parseImageReference(''), /empty/);
  });

  it('maps Docker Hub to its API host and knows loopback servers', () => {
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('ghcr.io'), 'ghcr.io');
    assert.equal(canonicalRegistry('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(canonicalRegistry('http://localhost:5000'), 'localhost:5000');
    assert.ok(isLoopbackServer('127.0.0.1:5000'));
    assert.ok(isLoopbackServer('127.8.9.10'));
    assert.ok(isLoopbackServer('localhost:1'));
    assert.ok(isLoopbackServer('[::1]:5000'));
    assert.equal(isLoopbackServer('10.0.0.1:5000'), false);
    assert.equal(isLoopbackServer('localhost.example.com'), false);
  });

  it('finds the repo digests of one repository among an image\'s RepoDigests', () => {
    const digests = repoDigestsFor({ registry: 'docker.io', repository: 'library/nginx' }, [`nginx@${DIGEST}`, `ghcr.io/x/nginx@sha256:${'b'.repeat(64)}`, 'garbage']);
    assert.deepEqual(digests, [DIGEST]);
  });
});

describe('parseChallenge', () => {
  it('reads a Bearer challenge with quoted parameters', () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'), {
      scheme: 'bearer',
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/nginx:pull',
    });
  });

  it('reads Basic, and prefers Bearer among several', () => {
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', realm: 'Registry Realm' });
    assert.equal(parseChallenge(['Basic realm="x"', 'Bearer realm="https://t/token"'])?.scheme, 'bearer');
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge(undefined), undefined);
  });
});

describe('rate limits', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads Docker Hub headers with windows', () => {
    assert.deepEqual(parseRateLimitHeaders({ 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' }, now), { observedAt: now, limit: 100, remaining: 76, windowSeconds: 21600 });
  });

  it('reads GitHub-style headers with an epoch reset', () => {
    const reset = Math.floor(now / 1000) + 60;
    assert.deepEqual(parseRateLimitHeaders({ 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': String(reset) }, now), { observedAt: now, limit: 5000, remaining: 4999, reset: reset * 1000 });
  });

  it('reads Retry-After in seconds and as a date', () => {
    assert.equal(parseRetryAfter('5', now), now + 5000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), now + 60_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });

  it('grades health: exhausted at 0, low under 20 %', () => {
    assert.equal(rateLimitHealth({ observedAt: now, limit: 100, remaining: 0 }), 'exhausted');
    assert.equal(rateLimitHealth({ observedAt: now, limit: 100, remaining: 19 }), 'low');
    assert.equal(rateLimitHealth({ observedAt: now, limit: 100, remaining: 20 }), 'ok');
    assert.equal(rateLimitHealth(undefined), 'unknown');
  });

  it('keeps the reserve: scheduled requests stop at 10 left, manual ones at 2, until the window ends', () => {
    const gate = new RateLimitGate();
    gate.observe({ 'ratelimit-limit': '100;w=60', 'ratelimit-remaining': '12;w=60' }, now);
    assert.equal(gate.admit('scheduled', now).admitted, true);
    assert.equal(gate.admit('scheduled', now).admitted, true);
    const refused = gate.admit('scheduled', now);
    assert.deepEqual(refused, { admitted: false, retryAt: now + 60_000 });
    assert.equal(gate.snapshot(now)?.remaining, 10);
    for (let i = 0; i < 8; i += 1) assert.equal(gate.admit('manual', now).admitted, true);
    assert.equal(gate.admit('manual', now).admitted, false);
    assert.equal(gate.admit('scheduled', now + 60_000).admitted, true, 'a new window');
  });

  it('blocks everything after a 429 until Retry-After', () => {
    const gate = new RateLimitGate();
    gate.blockUntil(now + 5000, now);
    assert.deepEqual(gate.admit('manual', now + 4999), { admitted: false, retryAt: now + 5000 });
    assert.equal(gate.admit('manual', now + 5000).admitted, true);
  });
});

describe('credentials', () => {
  it('reads a Docker config.json: base64 auth and username/password, servers canonical', () => {
    const config = {
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub:pass').toString('base64') },
        'ghcr.io': { username: 'gh', password: 'ghp_token' },
        'registry.local:5000': { identitytoken: 'refresh' },
      },
      credsStore: 'desktop',
    };
    const credentials = credentialsFromDockerConfig(config);
    assert.deepEqual([...credentials.entries()], [
      ['docker.io', { username: 'hubuser', password: 'hub:pass' }],
      ['ghcr.io', { username: 'gh', password: 'ghp_token' }],
    ]);
    assert.equal(credentialsFromDockerConfig('nonsense').size, 0);
  });

  it('masks secrets and their Basic encoding everywhere in a text', () => {
    const masker = new SecretMasker();
    masker.addCredentials({ username: 'user', password: 's3cret-pw' });
    masker.add('tok.en.value');
    const basic = Buffer.from('user:s3cret-pw').toString('base64');
    assert.equal(masker.mask(`pw=s3cret-pw auth=${basic} bearer tok.en.value`), 'pw=*** auth=*** bearer ***');
  });
});

describe('selectPlatformManifest', () => {
  const entries: IndexEntry[] = [
    { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } },
    { digest: 'sha256:arm6', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { digest: 'sha256:arm7', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { digest: 'sha256:arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { digest: 'sha256:att', platform: { os: 'unknown', architecture: 'unknown' } },
  ];
  const rows: Array<[string, { os: string; architecture: string; variant?: string }, string | undefined]> = [
    ['docker info x86_64 is amd64', { os: 'linux', architecture: 'x86_64' }, 'sha256:amd'],
    ['aarch64 is arm64 (v8 is its default variant)', { os: 'linux', architecture: 'aarch64' }, 'sha256:arm64'],
    ['armv7l is arm/v7', { os: 'linux', architecture: 'armv7l' }, 'sha256:arm7'],
    ['arm/v6 by variant', { os: 'linux', architecture: 'arm', variant: 'v6' }, 'sha256:arm6'],
    ['no entry for windows', { os: 'windows', architecture: 'amd64' }, undefined],
  ];
  for (const [rule, platform, digest] of rows) {
    it(rule, () => {
      assert.equal(selectPlatformManifest(entries, platform)?.digest, digest);
    });
  }
});
