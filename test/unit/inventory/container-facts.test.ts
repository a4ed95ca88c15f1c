// docker inspect → Container status facts, field by field, on documents shaped as the engine writes them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { containerFacts, goneFacts, composeDependsOn, isSwarmTask } from '../../../controllers/inventory/container-facts.ts';
import type { DockerContainerInspect } from '../../../domain/docker/api-types.ts';
import { validateResource } from '../../../schemas/validation.ts';

function inspect(): DockerContainerInspect {
  return {
    Id: 'db1741efab292b1c91130a32f414ad22712ee85ec7139a3ac399e3d9611112fb',
    Created: '2026-11-22T15:43:10.46357025Z',
    Name: '/web',
    Image: 'sha256:f9a920c92f48f63821a97275f41f7499372a7302e61a38c1f50e2cd50f5cad43',
    RestartCount: 2,
    State: { Status: 'running', Running: true, ExitCode: 0, StartedAt: '2026-11-22T15:43:10.736566747Z', FinishedAt: '0001-01-01T00:00:00Z', Health: { Status: 'healthy', FailingStreak: 0 } },
    HostConfig: { NetworkMode: 'front', Links: ['/db:/web/database', '/cache:/web/cache', '/db:/web/db'] },
    Mounts: [
      { Type: 'volume', Name: 'vol1', Source: '/var/lib/docker/volumes/vol1/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
      { Type: 'bind', Source: '/srv/conf', Destination: '/conf', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    ],
    Config: {
      Image: 'vigil-test/app:1',
      Labels: {
        'sentinel.self': 'TRUE',
        'com.docker.compose.project': 'shop',
        'com.docker.compose.service': 'web',
        'com.docker.compose.project.working_dir': '/srv/shop',
        'com.docker.compose.project.config_files': '/srv/shop/compose.yaml,/srv/shop/compose.override.yaml',
        'com.docker.compose.depends_on': 'db:service_healthy:false,cache:service_started:true',
      },
    },
    NetworkSettings: {
      Ports: {
        '443/tcp': null,
        '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }, { HostIp: '::1', HostPort: '32769' }],
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '5353' }],
      },
      Networks: {
        front: {
          IPAMConfig: { IPv4Address: '10.1.0.10', LinkLocalIPs: [] },
          Aliases: ['w', 'db1741efab29'],
          NetworkID: 'net-front',
          IPAddress: '10.1.0.10',
          GlobalIPv6Address: '',
          MacAddress: '02:42:0a:01:00:0a',
        },
        back: { IPAMConfig: null, Aliases: null, NetworkID: 'net-back', IPAddress: '10.2.0.3', MacAddress: '02:42:0a:02:00:03' },
      },
    },
  };
}

describe('container facts from inspect', () => {
  test('every documented field is taken from inspect and the image inspect', () => {
    const facts = containerFacts(inspect(), { Id: 'sha256:f9a9', RepoDigests: ['reg/app@sha256:bb', 'reg/app@sha256:aa'] });
    assert.deepEqual(facts, {
      id: 'db1741efab292b1c91130a32f414ad22712ee85ec7139a3ac399e3d9611112fb',
      name: 'web',
      image: 'vigil-test/app:1',
      imageID: 'sha256:f9a920c92f48f63821a97275f41f7499372a7302e61a38c1f50e2cd50f5cad43',
      repoDigests: ['reg/app@sha256:aa', 'reg/app@sha256:bb'],
      state: 'running',
      health: 'healthy',
      exitCode: 0,
      restartCount: 2,
      labels: inspect().Config?.Labels,
      ports: [
        { containerPort: 53, protocol: 'udp', hostIP: '127.0.0.1', hostPort: 5353 },
        { containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1', hostPort: 32768 },
        { containerPort: 80, protocol: 'tcp', hostIP: '::1', hostPort: 32769 },
        { containerPort: 443, protocol: 'tcp' },
      ],
      networks: [
        { name: 'back', networkID: 'net-back', ipv4Address: '10.2.0.3', macAddress: '02:42:0a:02:00:03' },
        { name: 'front', networkID: 'net-front', ipv4Address: '10.1.0.10', aliases: ['w', 'db1741efab29'], macAddress: '02:42:0a:01:00:0a', ipamConfig: { ipv4Address: '10.1.0.10' } },
      ],
      mounts: [
        { type: 'bind', source: '/srv/conf', destination: '/conf', mode: 'ro', rw: false, propagation: 'rprivate' },
        { type: 'volume', name: 'vol1', source: '/var/lib/docker/volumes/vol1/_data', destination: '/data', driver: 'local', mode: 'z', rw: true, propagation: '' },
      ],
      networkMode: 'front',
      links: ['cache', 'db'],
      compose: {
        project: 'shop',
        service: 'web',
        workingDir: '/srv/shop',
        configFiles: ['/srv/shop/compose.yaml', '/srv/shop/compose.override.yaml'],
        dependsOn: ['db', 'cache'],
      },
      createdAt: '2026-11-22T15:43:10.46357025Z',
      startedAt: '2026-11-22T15:43:10.736566747Z',
      self: true,
    });
    const valid = validateResource({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web', namespace: 'local' }, status: facts }, { unknownFields: 'Strict' });
    assert.ok(valid.ok, JSON.stringify(valid.causes));
  });

  test('the same container gives the same facts whatever order the engine lists networks and ports in', () => {
    const shuffled = inspect();
    const settings = shuffled.NetworkSettings ?? {};
    settings.Networks = Object.fromEntries(Object.entries(settings.Networks ?? {}).reverse());
    settings.Ports = Object.fromEntries(Object.entries(settings.Ports ?? {}).reverse());
    shuffled.Mounts = [...(shuffled.Mounts ?? [])].reverse();
    assert.deepEqual(containerFacts(shuffled, undefined), containerFacts(inspect(), undefined));
  });

  test('a stopped container without health check, image or labels: health none, no repo digests, no compose, not self', () => {
    const stopped = inspect();
    stopped.State = { Status: 'exited', ExitCode: 137, StartedAt: '2026-11-22T15:43:10Z', FinishedAt: '2026-11-22T15:44:00Z' };
    stopped.Config = { Image: 'app', Labels: null };
    stopped.NetworkSettings = { Ports: {}, Networks: {} };
    const facts = containerFacts(stopped, undefined);
    assert.equal(facts.state, 'exited');
    assert.equal(facts.health, 'none');
    assert.equal(facts.exitCode, 137);
    assert.equal(facts.finishedAt, '2026-11-22T15:44:00Z');
    assert.equal(facts.self, false);
    assert.deepEqual(facts.labels, {});
    assert.deepEqual(facts.ports, []);
    assert.equal('repoDigests' in facts, false);
    assert.equal('compose' in facts, false);
  });

  test('gone keeps the last known facts, drops health, and keeps the first goneSince', () => {
    const facts = containerFacts(inspect(), undefined);
    const gone = goneFacts(facts, '2026-11-22T16:00:00Z');
    assert.equal(gone.state, 'gone');
    assert.equal(gone.goneSince, '2026-11-22T16:00:00Z');
    assert.equal(gone.id, facts.id);
    assert.equal('health' in gone, false);
    assert.equal(goneFacts(gone, '2026-11-22T17:00:00Z').goneSince, '2026-11-22T16:00:00Z');
  });

  test('compose depends_on lists service names; a Swarm task is recognised by its label', () => {
    assert.deepEqual(composeDependsOn('db:service_started:false, cache'), ['db', 'cache']);
    assert.deepEqual(composeDependsOn(''), []);
    assert.equal(isSwarmTask({ 'com.docker.swarm.task': '' }), true);
    assert.equal(isSwarmTask({ 'com.docker.swarm.service.name': 'x' }), false);
  });
});
