// An update on a real engine keeps everything the user set on a container: `docker inspect` before and after, one
// test per property. Values that came from the old image's defaults follow the new image instead.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isObject } from '../../../schemas/json.ts';
import type { UpdateOperation } from '../../../controllers/update/machine/operation.ts';
import { freePort } from '../../testbed/daemon.ts';
import { IDLE, NEW_IMAGE, SERVE, startUpdateTestbed, type UpdateTestbed } from './update-testbed.ts';

type Inspect = Record<string, unknown>;

function field(inspect: Inspect | undefined, path: string): unknown {
  let value: unknown = inspect;
  for (const key of path.split('.')) value = isObject(value) ? value[key] : undefined;
  return value;
}

describe('an update keeps what the user set (real engine)', () => {
  let bed: UpdateTestbed;
  let port = 0;
  const before_: Record<string, Inspect> = {};
  const after_: Record<string, Inspect> = {};
  const results: Record<string, UpdateOperation> = {};
  const updated = ['plain', 'custom', 'hostcfg', 'networks', 'nsdep', 'hostnet', 'nonet', 'linked'];
  const old = (name: string, path: string): unknown => field(before_[name], path);
  const now = (name: string, path: string): unknown => field(after_[name], path);

  before(async () => {
    bed = await startUpdateTestbed('props');
    const docker = (args: string[]): Promise<string> => bed.engine.docker(args);
    const net = (third: number): string => `10.${bed.engine.subnetIndex}.${third}`;
    port = await freePort();
    const bind = join(bed.engine.dir, 'bind');
    mkdirSync(bind);
    await docker(['network', 'create', 'front']);
    await docker(['network', 'create', '--subnet', `${net(200)}.0/24`, 'back']);
    await docker(['network', 'create', '--ipv6', '--subnet', `${net(201)}.0/24`, '--subnet', `fd00:${bed.engine.subnetIndex}::/64`, 'dual']);
    await docker(['volume', 'create', 'named']);
    const OLD = bed.oldReference;

    await docker(['run', '-d', '--name', 'plain', OLD]);
    await docker([
      'run', '-d', '--name', 'custom',
      '-e', 'A=user-a', '-e', 'C=user-c', '-e', 'B=image-b1',
      '-l', 'x.image=override', '-l', 'x.user=u',
      '-w', '/custom', '-u', '0', '--entrypoint', '/bin/sh',
      '--health-cmd', 'true', '--health-interval', '1s',
      '--stop-signal', 'SIGINT', '--stop-timeout', '5',
      '--hostname', 'myhost', '--domainname', 'example.test', '-t', '-i',
      OLD, '-c', SERVE,
    ]);
    await docker([
      'run', '-d', '--name', 'hostcfg', '-u', '0',
      '-v', `${bind}:/bind:ro`, '-v', 'named:/named',
      '--mount', 'type=tmpfs,target=/scratch,tmpfs-size=1048576', '--tmpfs', '/run:size=1m',
      '-p', `127.0.0.1:${port}:8080`,
      '--restart', 'unless-stopped',
      '--memory', '64m', '--cpu-shares', '512', '--pids-limit', '100', '--shm-size', '32m',
      '--ulimit', 'nofile=1024:2048',
      '--cap-add', 'NET_ADMIN', '--cap-drop', 'MKNOD', '--security-opt', 'no-new-privileges',
      '--group-add', '10', '--device', '/dev/null:/dev/xnull', '--sysctl', 'net.ipv4.ip_forward=1', '--init',
      '--log-driver', 'json-file', '--log-opt', 'max-size=1m',
      '--add-host', 'foo.test:10.1.2.3', '--dns', '10.0.0.53', '--dns-search', 'example.test', '--dns-option', 'ndots:2',
      OLD,
    ]);
    await docker(['exec', 'hostcfg', 'sh', '-c', 'echo named-kept > /named/file; echo anonymous-kept > /data/file']);
    await docker(['run', '-d', '--name', 'networks', '--network', 'back', '--ip', `${net(200)}.50`, '--mac-address', '02:42:0a:00:00:99', '--network-alias', 'www', OLD]);
    await docker(['network', 'connect', '--alias', 'web2', 'front', 'networks']);
    await docker(['network', 'connect', '--ip', `${net(201)}.60`, '--ip6', `fd00:${bed.engine.subnetIndex}::60`, 'dual', 'networks']);
    await docker(['run', '-d', '--name', 'owner', OLD]);
    // An entrypoint of their own: the new image's ENTRYPOINT would otherwise take these arguments as its own.
    await docker(['run', '-d', '--name', 'nsdep', '--network', 'container:owner', '--entrypoint', '/bin/sh', OLD, '-c', IDLE]);
    await docker(['run', '-d', '--name', 'hostnet', '--network', 'host', '--entrypoint', '/bin/sh', OLD, '-c', IDLE]);
    await docker(['run', '-d', '--name', 'nonet', '--network', 'none', '--entrypoint', '/bin/sh', OLD, '-c', IDLE]);
    await docker(['run', '-d', '--name', 'db', OLD]);
    await docker(['run', '-d', '--name', 'linked', '--link', 'db:dbalias', OLD]);

    for (const name of updated) before_[name] = await bed.inspect(name);
    // Independent containers: updated at once, as Vigil does up to its concurrency bound.
    await Promise.all(
      updated.map(async (name) => {
        results[name] = await bed.update(name, bed.newReference);
      }),
    );
    for (const name of updated) after_[name] = await bed.inspect(name);
  });

  after(async () => {
    await bed.cleanup();
  });

  test('every container was replaced by one on the new image, under its name', async () => {
    const newImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', bed.newReference])).trim();
    for (const name of updated) {
      assert.equal(results[name]?.details.outcome, 'success', `${name}: ${results[name]?.details.error ?? ''}`);
      assert.notEqual(now(name, 'Id'), old(name, 'Id'), name);
      assert.equal(now(name, 'Image'), newImageID, name);
      assert.equal(now(name, 'State.Running'), true, name);
    }
    assert.deepEqual((await bed.engine.docker(['ps', '-a', '--format', '{{.Names}}'])).trim().split('\n').sort(), [...updated, 'db', 'owner'].sort());
  });

  test('environment: the user\'s variables are kept; image defaults, and values equal to them, follow the new image', () => {
    const env = (name: string): string[] => (now(name, 'Config.Env') as string[]).filter((entry) => !entry.startsWith('PATH='));
    assert.deepEqual(env('plain').sort(), ['A=image-a2', 'NEW=yes']);
    assert.deepEqual(env('custom').sort(), ['A=user-a', 'C=user-c', 'NEW=yes']);
  });

  test('command: the image CMD follows the new image; the container\'s own is kept', () => {
    assert.deepEqual(now('plain', 'Config.Cmd'), NEW_IMAGE.cmd);
    assert.deepEqual(now('custom', 'Config.Cmd'), ['-c', SERVE]);
  });

  test('entrypoint: the image ENTRYPOINT follows the new image; the container\'s own is kept', () => {
    assert.deepEqual(now('plain', 'Config.Entrypoint'), ['/bin/sh', '-c']);
    assert.deepEqual(now('custom', 'Config.Entrypoint'), ['/bin/sh']);
  });

  test('labels: image labels follow the new image; the container\'s own and overridden labels are kept', () => {
    assert.deepEqual(now('plain', 'Config.Labels'), { 'org.opencontainers.image.version': '2', 'x.image': 'two' });
    assert.deepEqual(now('custom', 'Config.Labels'), { 'org.opencontainers.image.version': '2', 'x.image': 'override', 'x.user': 'u' });
  });

  test('health check: the image one follows the new image (none); the container\'s own is kept', () => {
    assert.deepEqual(now('plain', 'Config.Healthcheck'), { Test: ['NONE'] });
    assert.deepEqual(now('custom', 'Config.Healthcheck'), old('custom', 'Config.Healthcheck'));
    assert.equal(now('custom', 'State.Health.Status'), 'healthy');
  });

  test('working directory: the image WORKDIR follows the new image; the container\'s own is kept', () => {
    assert.equal(now('plain', 'Config.WorkingDir'), '/srv/two');
    assert.equal(now('custom', 'Config.WorkingDir'), '/custom');
  });

  test('user: the image USER follows the new image; the container\'s own is kept', () => {
    assert.equal(now('plain', 'Config.User'), '1001');
    assert.equal(now('custom', 'Config.User'), '0');
  });

  test('stop signal and timeout: the image STOPSIGNAL follows the new image; the container\'s own are kept', () => {
    assert.equal(now('plain', 'Config.StopSignal'), 'SIGUSR2');
    assert.equal(now('custom', 'Config.StopSignal'), 'SIGINT');
    assert.equal(now('custom', 'Config.StopTimeout'), 5);
  });

  test('hostname, domain name, tty and stdin set by the user are kept', () => {
    for (const path of ['Config.Hostname', 'Config.Domainname', 'Config.Tty', 'Config.OpenStdin']) assert.deepEqual(now('custom', path), old('custom', path), path);
    assert.equal(now('plain', 'Config.Hostname'), String(now('plain', 'Id')).slice(0, 12));
  });

  test('binds, named volumes and tmpfs are kept, and the data in the named and anonymous volumes is still there', async () => {
    for (const path of ['HostConfig.Binds', 'HostConfig.Tmpfs']) assert.deepEqual(now('hostcfg', path), old('hostcfg', path), path);
    assert.deepEqual(now('hostcfg', 'HostConfig.Mounts'), [
      ...(old('hostcfg', 'HostConfig.Mounts') as unknown[]),
      { Type: 'volume', Source: (old('hostcfg', 'Mounts') as Array<{ Destination: string; Name: string }>).find((mount) => mount.Destination === '/data')?.Name, Target: '/data' },
    ]);
    assert.equal((await bed.engine.docker(['exec', 'hostcfg', 'cat', '/named/file', '/data/file'])).trim(), 'named-kept\nanonymous-kept');
  });

  test('port bindings on 127.0.0.1 are kept and the new container answers on the same port', async () => {
    assert.deepEqual(now('hostcfg', 'HostConfig.PortBindings'), old('hostcfg', 'HostConfig.PortBindings'));
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.ok(response.status === 200 || response.status === 404, `httpd answered ${response.status}`);
  });

  test('restart policy is kept', () => {
    assert.deepEqual(now('hostcfg', 'HostConfig.RestartPolicy'), { Name: 'unless-stopped', MaximumRetryCount: 0 });
  });

  test('resources (memory, CPU shares, pids limit, shm size, ulimits) are kept', () => {
    for (const path of ['Memory', 'MemorySwap', 'CpuShares', 'PidsLimit', 'ShmSize', 'Ulimits']) {
      assert.deepEqual(now('hostcfg', `HostConfig.${path}`), old('hostcfg', `HostConfig.${path}`), path);
    }
    assert.equal(now('hostcfg', 'HostConfig.Memory'), 64 * 1024 * 1024);
  });

  test('capabilities, security options, groups, devices, sysctls and init are kept', () => {
    for (const path of ['CapAdd', 'CapDrop', 'SecurityOpt', 'GroupAdd', 'Devices', 'Sysctls', 'Init']) {
      assert.deepEqual(now('hostcfg', `HostConfig.${path}`), old('hostcfg', `HostConfig.${path}`), path);
    }
    assert.deepEqual(now('hostcfg', 'HostConfig.CapAdd'), ['NET_ADMIN']);
  });

  test('log config is kept', () => {
    assert.deepEqual(now('hostcfg', 'HostConfig.LogConfig'), { Type: 'json-file', Config: { 'max-size': '1m' } });
  });

  test('extra hosts and DNS settings are kept', () => {
    for (const path of ['ExtraHosts', 'Dns', 'DnsSearch', 'DnsOptions']) assert.deepEqual(now('hostcfg', `HostConfig.${path}`), old('hostcfg', `HostConfig.${path}`), path);
  });

  test('every other HostConfig field is identical', () => {
    const { Mounts: _newMounts, ...afterRest } = now('hostcfg', 'HostConfig') as Record<string, unknown>;
    const { Mounts: _oldMounts, ...beforeRest } = old('hostcfg', 'HostConfig') as Record<string, unknown>;
    assert.deepEqual(afterRest, beforeRest);
  });

  test('several networks with their aliases are kept, without the old container-ID alias', () => {
    const aliases = (when: 'before' | 'after', network: string): string[] => {
      const inspect = when === 'before' ? before_.networks : after_.networks;
      const id = String(field(inspect, 'Id')).slice(0, 12);
      return ((field(inspect, `NetworkSettings.Networks.${network}.Aliases`) as string[] | null) ?? []).filter((alias) => alias !== id);
    };
    assert.deepEqual(Object.keys(now('networks', 'NetworkSettings.Networks') as object).sort(), ['back', 'dual', 'front']);
    assert.deepEqual(aliases('after', 'back'), ['www']);
    assert.deepEqual(aliases('after', 'front'), ['web2']);
    assert.deepEqual(aliases('after', 'dual'), aliases('before', 'dual'));
  });

  test('static IPv4 and IPv6 addresses and the MAC address are kept', () => {
    for (const path of ['back.IPAMConfig', 'back.IPAddress', 'back.MacAddress', 'dual.IPAMConfig', 'dual.IPAddress', 'dual.GlobalIPv6Address']) {
      assert.deepEqual(now('networks', `NetworkSettings.Networks.${path}`), old('networks', `NetworkSettings.Networks.${path}`), path);
    }
    assert.equal(now('networks', 'NetworkSettings.Networks.back.MacAddress'), '02:42:0a:00:00:99');
    assert.match(String(now('networks', 'NetworkSettings.Networks.dual.GlobalIPv6Address')), /^fd00:/);
  });

  test('links are kept', () => {
    assert.deepEqual(now('linked', 'HostConfig.Links'), ['/db:/linked/dbalias']);
    assert.deepEqual(now('linked', 'HostConfig.Links'), old('linked', 'HostConfig.Links'));
  });

  test('network_mode container: is kept', () => {
    assert.equal(now('nsdep', 'HostConfig.NetworkMode'), old('nsdep', 'HostConfig.NetworkMode'));
    assert.match(String(now('nsdep', 'HostConfig.NetworkMode')), /^container:[0-9a-f]{64}$/);
  });

  test('network_mode host is kept', () => {
    assert.equal(now('hostnet', 'HostConfig.NetworkMode'), 'host');
    assert.deepEqual(Object.keys(now('hostnet', 'NetworkSettings.Networks') as object), ['host']);
  });

  test('network_mode none is kept', () => {
    assert.equal(now('nonet', 'HostConfig.NetworkMode'), 'none');
    assert.deepEqual(Object.keys(now('nonet', 'NetworkSettings.Networks') as object), ['none']);
  });
});
