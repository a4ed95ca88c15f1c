// The create request of a recreated container, from `docker inspect` fixtures recorded on Docker 20.10
// (fixtures/record-fixtures.ts): user settings are kept, image defaults follow the new image, every HostConfig field,
// network, alias, static address, link and network mode survives.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseContainerInspect, parseImageInspect, type ContainerConfig, type ContainerInspect } from '../../../controllers/update/docker/types.ts';
import { buildRecreatePlan, type RecreateInput } from '../../../controllers/update/recreate/create-request.ts';
import { normalizeLinks } from '../../../controllers/update/recreate/networking.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
const read = (file: string): unknown => JSON.parse(readFileSync(join(fixtures, file), 'utf8'));
const container = (name: string): ContainerInspect => parseContainerInspect(read(`container-${name}.json`), name);
const oldImage = parseImageInspect(read('image-old.json'), 'old');
const newImage = parseImageInspect(read('image-new.json'), 'new');
const NEW_REFERENCE = 'registry.test/team/app:2';

function plan(name: string, extra: Partial<RecreateInput> = {}) {
  return buildRecreatePlan({ container: container(name), oldImage: oldImage.Config ?? {}, newImage: newImage.Config ?? {}, image: NEW_REFERENCE, ...extra });
}
const config = (name: string): ContainerConfig => plan(name).request.config;

describe('recreate: Config keeps what the user set and lets image defaults follow the new image', () => {
  test('the new container is created from the target reference under the old name', () => {
    const { request } = plan('plain');
    assert.equal(request.name, 'plain');
    assert.equal(request.config.Image, NEW_REFERENCE);
  });

  test('environment: variables set on the container are kept, those from the old image are left to the new one', () => {
    assert.deepEqual(config('custom').Env, ['A=user-a', 'C=user-c']);
    assert.equal(config('plain').Env, undefined);
  });

  test('command: a container on the image CMD follows the new CMD; with its own entrypoint its arguments are kept', () => {
    assert.equal(config('plain').Cmd, undefined);
    assert.deepEqual(config('custom').Cmd, ['-c', 'httpd -f -p 80']);
  });

  test('entrypoint: one set on the container is kept, the image one follows the new image', () => {
    assert.deepEqual(config('custom').Entrypoint, ['/bin/sh']);
    assert.equal(config('plain').Entrypoint, undefined);
  });

  test('an entrypoint explicitly cleared on the container stays cleared', () => {
    const cleared = container('plain');
    cleared.Config.Entrypoint = [];
    const withEntrypoint = { ...(oldImage.Config ?? {}), Entrypoint: ['/docker-entrypoint.sh'] };
    const built = buildRecreatePlan({ container: cleared, oldImage: withEntrypoint, newImage: newImage.Config ?? {}, image: NEW_REFERENCE });
    assert.deepEqual(built.request.config.Entrypoint, []);
    assert.deepEqual(built.request.config.Cmd, ['httpd', '-f', '-p', '80']);
  });

  test('labels: the container\'s own and overridden labels are kept, image labels follow the new image', () => {
    assert.deepEqual(config('custom').Labels, { 'x.image': 'override', 'x.user': 'u' });
    assert.equal(config('plain').Labels, undefined);
  });

  test('compose labels (config-hash included) survive the recreate, even one an image carries with the same value', () => {
    const compose = {
      'com.docker.compose.project': 'lab',
      'com.docker.compose.service': 'web',
      'com.docker.compose.config-hash': '3f1c0c2bd3b0b9ab4b7c5c0c5f2f0f8e7f8d9a1b2c3d4e5f6a7b8c9d0e1f2a3b',
      'com.docker.compose.project.config_files': '/srv/lab/docker-compose.yml',
      'com.docker.compose.project.working_dir': '/srv/lab',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.version': '1.29.2',
    };
    const composed = container('plain');
    composed.Config.Labels = { ...composed.Config.Labels, ...compose };
    const imageWithComposeLabel = { ...(oldImage.Config ?? {}), Labels: { ...oldImage.Config?.Labels, 'com.docker.compose.project': 'lab' } };
    const built = buildRecreatePlan({ container: composed, oldImage: imageWithComposeLabel, newImage: newImage.Config ?? {}, image: NEW_REFERENCE });
    for (const [key, value] of Object.entries(compose)) assert.equal(built.request.config.Labels?.[key], value, key);
  });

  test('health check: one set on the container is kept, the image one follows the new image', () => {
    assert.deepEqual(config('custom').Healthcheck, { Test: ['CMD-SHELL', '/bin/true'], Interval: 2_000_000_000, Timeout: 1_000_000_000, Retries: 3 });
    assert.equal(config('plain').Healthcheck, undefined);
  });

  test('working directory and user: set ones are kept, image ones follow the new image', () => {
    assert.equal(config('custom').WorkingDir, '/custom');
    assert.equal(config('custom').User, '0');
    assert.equal(config('plain').WorkingDir, undefined);
    assert.equal(config('plain').User, undefined);
  });

  test('exposed ports and volumes: only those the container added are kept', () => {
    assert.deepEqual(config('custom').ExposedPorts, { '9000/tcp': {} });
    assert.deepEqual(config('custom').Volumes, { '/extra': {} });
    assert.equal(config('plain').ExposedPorts, undefined);
    assert.equal(config('plain').Volumes, undefined);
  });

  test('stop signal and stop timeout set on the container are kept; the image stop signal follows the new image', () => {
    assert.equal(config('custom').StopSignal, 'SIGTERM');
    assert.equal(config('custom').StopTimeout, 7);
    assert.equal(config('plain').StopSignal, undefined);
    assert.equal(config('plain').StopTimeout, undefined);
  });

  test('hostname and domain name set by the user are kept; the one derived from the container ID is not', () => {
    assert.equal(config('custom').Hostname, 'myhost');
    assert.equal(config('custom').Domainname, 'example.test');
    assert.equal(container('plain').Config.Hostname, container('plain').Id.slice(0, 12));
    assert.equal(config('plain').Hostname, undefined);
  });

  test('tty and stdin flags are kept', () => {
    assert.equal(config('custom').Tty, true);
    assert.equal(config('custom').OpenStdin, true);
    assert.equal(config('plain').Tty, undefined);
  });

  test('a static MAC address is kept', () => {
    assert.equal(config('networks').MacAddress, '02:42:0a:00:00:99');
  });
});

describe('recreate: HostConfig is copied field by field', () => {
  const original = container('hostcfg').HostConfig;
  const created = plan('hostcfg').request.hostConfig;
  const fields = [
    'Binds', 'PortBindings', 'RestartPolicy', 'Memory', 'MemorySwap', 'CpuShares', 'PidsLimit', 'CapAdd', 'CapDrop', 'SecurityOpt',
    'LogConfig', 'ExtraHosts', 'Dns', 'DnsSearch', 'DnsOptions', 'Tmpfs', 'Ulimits', 'Sysctls', 'Init', 'Devices', 'OomScoreAdj',
    'ShmSize', 'GroupAdd', 'MaskedPaths', 'ReadonlyPaths',
  ];
  for (const field of fields) {
    test(`keeps HostConfig.${field}`, () => {
      assert.notEqual(original[field], undefined, `the fixture sets ${field}`);
      assert.deepEqual(created[field], original[field]);
    });
  }

  test('every other HostConfig field is identical too (Mounts only gain the old anonymous volumes)', () => {
    const { Mounts: createdMounts, ...restCreated } = created;
    const { Mounts: originalMounts, ...restOriginal } = original;
    assert.deepEqual(restCreated, restOriginal);
    assert.deepEqual(createdMounts, [...(Array.isArray(originalMounts) ? originalMounts : []), { Type: 'volume', Source: '7d6e8dceb4cf803436f3495439a0d55ffebb5f2de0d1dc48837c361812d5fe46', Target: '/data' }]);
  });

  test('privileged mode is kept', () => {
    assert.equal(plan('privileged').request.hostConfig.Privileged, true);
    // Docker masks nothing in a privileged container; the empty lists must not turn into the defaults.
    assert.equal(container('privileged').HostConfig.MaskedPaths, null);
    assert.equal(plan('privileged').request.hostConfig.MaskedPaths, null);
  });

  test('links are passed as name:alias', () => {
    assert.deepEqual(plan('linked').request.hostConfig.Links, ['plain:db']);
    assert.deepEqual(normalizeLinks(['/db:/web/db', 'cache:cache', 'solo']), ['db:db', 'cache:cache', 'solo']);
  });
});

describe('recreate: anonymous volumes', () => {
  test('are mounted again where the new container still has a volume', () => {
    const mounts = plan('custom').request.hostConfig.Mounts;
    assert.deepEqual(mounts, [
      { Type: 'volume', Source: '6e504f330b2f432edfe0c941b6c3a8ac3cfdd8440a77740aadd7e6198739f238', Target: '/data' },
      { Type: 'volume', Source: 'adad7ea6182e587472c0ab8dbd059d6ee54a77f94e1f82339418446fdf2fa43a', Target: '/extra' },
    ]);
  });

  test('are not carried over with removeVolumes', () => {
    assert.equal(plan('custom', { removeVolumes: true }).request.hostConfig.Mounts, undefined);
  });

  test('are not carried over to a path the new image no longer declares', () => {
    const withoutData = { ...(newImage.Config ?? {}), Volumes: { '/cache': {} } };
    const built = buildRecreatePlan({ container: container('plain'), oldImage: oldImage.Config ?? {}, newImage: withoutData, image: NEW_REFERENCE });
    assert.equal(built.request.hostConfig.Mounts, undefined);
  });
});

describe('recreate: networks', () => {
  test('the network-mode network is attached at create with its aliases and static IPv4 address, minus the ID alias', () => {
    const built = plan('networks');
    assert.equal(built.request.hostConfig.NetworkMode, 'back');
    assert.deepEqual(built.request.networkingConfig.EndpointsConfig, {
      back: { Aliases: ['www'], IPAMConfig: { IPv4Address: container('networks').NetworkSettings.Networks?.back?.IPAMConfig?.IPv4Address } },
    });
  });

  test('every other network is connected after create with its aliases and static IPv4/IPv6 addresses', () => {
    const dual = container('networks').NetworkSettings.Networks?.dual?.IPAMConfig;
    assert.deepEqual(plan('networks').connect, [
      { network: 'dual', endpoint: { IPAMConfig: { IPv4Address: dual?.IPv4Address, IPv6Address: dual?.IPv6Address } } },
      { network: 'front', endpoint: { Aliases: ['web2'] } },
    ]);
    assert.match(dual?.IPv6Address ?? '', /^fd00:/);
  });

  test('network_mode container: is kept, without hostname or exposed ports, and can point at a new owner', () => {
    const built = plan('nsdep');
    assert.equal(built.request.hostConfig.NetworkMode, container('nsdep').HostConfig.NetworkMode);
    assert.match(String(built.request.hostConfig.NetworkMode), /^container:[0-9a-f]{64}$/);
    assert.equal(built.request.config.Hostname, undefined);
    assert.equal(built.request.config.ExposedPorts, undefined);
    assert.deepEqual(built.request.networkingConfig.EndpointsConfig, {});
    assert.deepEqual(built.connect, []);
    assert.equal(plan('nsdep', { networkMode: 'container:abc' }).request.hostConfig.NetworkMode, 'container:abc');
  });

  test('network_mode host is kept without the host\'s hostname', () => {
    const built = plan('hostnet');
    assert.equal(built.request.hostConfig.NetworkMode, 'host');
    assert.equal(built.request.config.Hostname, undefined);
    assert.deepEqual(built.connect, []);
  });

  test('network_mode none is kept and attaches nothing', () => {
    const built = plan('nonet');
    assert.equal(built.request.hostConfig.NetworkMode, 'none');
    assert.deepEqual(built.request.networkingConfig.EndpointsConfig, {});
    assert.deepEqual(built.connect, []);
  });

  test('a container that left its network-mode network is disconnected from it again', () => {
    const left = container('networks');
    delete left.NetworkSettings.Networks?.back;
    const built = buildRecreatePlan({ container: left, oldImage: oldImage.Config ?? {}, newImage: newImage.Config ?? {}, image: NEW_REFERENCE });
    assert.equal(built.request.hostConfig.NetworkMode, 'back');
    assert.deepEqual(built.disconnect, ['back']);
  });
});
