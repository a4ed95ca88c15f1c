// Builds the `docker inspect` document of a fake container the way the engine fills it, so that code reading inspect
// output sees the same shapes (nulls, "0001-01-01T00:00:00Z", slash-prefixed names) on the fake as on an engine.
import { randomBytes } from 'node:crypto';
import type { DockerContainerInspect, DockerMountPoint } from '../../../domain/docker/api-types.ts';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface FakeNetwork {
  aliases?: string[];
  ipv4Address?: string;
  ipv6Address?: string;
  macAddress?: string;
  /** Static addresses requested at create (IPAMConfig). */
  ipamIPv4?: string;
}

export interface FakePort {
  containerPort: number;
  protocol?: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
  hostPort?: number;
}

/** What a test says about a container it runs on the fake engine; everything else gets the engine's defaults. */
export interface FakeContainerSpec {
  name: string;
  /** Image reference; an image the engine does not have yet is added (no repo digests, as a local build). */
  image: string;
  labels?: Record<string, string>;
  /** Default running. */
  state?: 'created' | 'running' | 'exited';
  exitCode?: number;
  /** A health check: the container starts with health "starting". */
  healthCheck?: boolean;
  stopSignal?: string;
  stopTimeout?: number;
  /** Signals on which the process exits by itself (code 0); any other stop signal ends in SIGKILL (code 137). Default SIGTERM. */
  exitsOn?: string[];
  networks?: Record<string, FakeNetwork>;
  ports?: FakePort[];
  mounts?: DockerMountPoint[];
  /** Default: the first network's name, or "bridge". */
  networkMode?: string;
  tty?: boolean;
  restartCount?: number;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export function inspectDocument(spec: FakeContainerSpec, id: string, imageID: string, imageLabels: Record<string, string>, now: Date): DockerContainerInspect {
  const networks = spec.networks ?? { bridge: {} };
  const networkNames = Object.keys(networks);
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  const portBindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of spec.ports ?? []) {
    const key = `${port.containerPort}/${port.protocol ?? 'tcp'}`;
    if (port.hostPort === undefined) {
      ports[key] = null;
    } else {
      const binding = { HostIp: port.hostIP ?? '0.0.0.0', HostPort: String(port.hostPort) };
      ports[key] = [binding];
      portBindings[key] = [{ HostIp: binding.HostIp, HostPort: '' }];
    }
  }
  let index = 2;
  const endpointSettings = Object.fromEntries(networkNames.map((name) => {
    const network = networks[name] ?? {};
    const address = network.ipv4Address ?? `10.0.0.${index}`;
    index += 1;
    return [name, {
      IPAMConfig: network.ipamIPv4 === undefined ? null : { IPv4Address: network.ipamIPv4 },
      Links: null,
      Aliases: name === 'bridge' ? null : [...(network.aliases ?? []), id.slice(0, 12)],
      NetworkID: randomHex(32),
      EndpointID: randomHex(32),
      Gateway: '10.0.0.1',
      IPAddress: address,
      IPPrefixLen: 24,
      GlobalIPv6Address: network.ipv6Address ?? '',
      MacAddress: network.macAddress ?? `02:42:0a:00:00:${index.toString(16).padStart(2, '0')}`,
      DriverOpts: null,
    }];
  }));
  return {
    Id: id,
    Created: now.toISOString(),
    Path: 'httpd',
    Args: ['-f', '-p', '80'],
    State: {
      Status: 'created',
      Running: false,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 0,
      ExitCode: 0,
      Error: '',
      StartedAt: ZERO_TIME,
      FinishedAt: ZERO_TIME,
      ...(spec.healthCheck === true ? { Health: { Status: 'starting', FailingStreak: 0 } } : {}),
    },
    Image: imageID,
    Name: `/${spec.name}`,
    RestartCount: spec.restartCount ?? 0,
    HostConfig: {
      Binds: null,
      NetworkMode: spec.networkMode ?? networkNames[0] ?? 'bridge',
      PortBindings: portBindings,
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
    },
    Mounts: spec.mounts ?? [],
    Config: {
      Hostname: id.slice(0, 12),
      User: '',
      Tty: spec.tty === true,
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['httpd', '-f', '-p', '80'],
      Image: spec.image,
      Entrypoint: null,
      WorkingDir: '',
      // Like the engine: the image's labels, overridden by the container's.
      Labels: { ...imageLabels, ...spec.labels },
      ...(spec.healthCheck === true ? { Healthcheck: { Test: ['CMD', '/bin/true'], Interval: 1_000_000_000 } } : {}),
      ...(spec.stopSignal === undefined ? {} : { StopSignal: spec.stopSignal }),
      ...(spec.stopTimeout === undefined ? {} : { StopTimeout: spec.stopTimeout }),
    },
    NetworkSettings: { Ports: ports, Networks: endpointSettings },
  };
}
