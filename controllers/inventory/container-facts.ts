// What `docker inspect` says about a container, as the Container status fields docs/resources.md lists ("Observed
// facts → status fields"). A pure function: the same inspect gives the same status, field by field and in a stable
// order (lists sorted), so that a pass over an unchanged container writes nothing.
import type { ComposeInfo, ContainerStatus, Mount, NetworkAttachment, PortBinding } from '../../schemas/generated/types.ts';
import type { DockerContainerInspect, DockerImageInspect, DockerMountPoint, DockerEndpointSettings } from '../../domain/docker/api-types.ts';

/** The status fields the inventory controller derives from inspect (and owns: it replaces them all on every pass). */
export const FACT_FIELDS = [
  'id', 'name', 'image', 'imageID', 'repoDigests', 'state', 'goneSince', 'health', 'exitCode', 'restartCount', 'labels', 'ports',
  'networks', 'mounts', 'networkMode', 'links', 'compose', 'createdAt', 'startedAt', 'finishedAt', 'self',
] as const satisfies readonly (keyof ContainerStatus)[];

export type ContainerFacts = Pick<ContainerStatus, (typeof FACT_FIELDS)[number]>;

type State = NonNullable<ContainerStatus['state']>;
type Health = NonNullable<ContainerStatus['health']>;

const STATES: readonly State[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
const HEALTHS: readonly Health[] = ['starting', 'healthy', 'unhealthy'];
const MOUNT_TYPES: readonly Mount['type'][] = ['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'];
const PROTOCOLS: readonly PortBinding['protocol'][] = ['tcp', 'udp', 'sctp'];

export const COMPOSE_LABELS = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  dependsOn: 'com.docker.compose.depends_on',
} as const;

export const SELF_LABELS = ['sentinel.self', 'vigil.self'] as const;

/** Docker's "never" ("0001-01-01T00:00:00Z") and empty strings are absent times. */
function time(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value.startsWith('0001-01-01') ? undefined : value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Present keys only: an absent fact is an absent field, never `undefined` (which would not survive a round trip). */
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

export function isSelf(labels: Record<string, string>): boolean {
  return SELF_LABELS.some((label) => labels[label]?.trim().toLowerCase() === 'true');
}

export function isSwarmTask(labels: Record<string, string>): boolean {
  return Object.hasOwn(labels, 'com.docker.swarm.task');
}

function ports(inspect: DockerContainerInspect): PortBinding[] {
  const result: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(inspect.NetworkSettings?.Ports ?? {})) {
    const [port = '', protocolText = 'tcp'] = key.split('/');
    const containerPort = Number(port);
    const protocol = PROTOCOLS.find((candidate) => candidate === protocolText);
    if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535 || protocol === undefined) continue;
    if (bindings === null || bindings.length === 0) {
      result.push({ containerPort, protocol });
      continue;
    }
    for (const binding of bindings) {
      const hostPort = Number(binding.HostPort);
      result.push(defined({
        containerPort,
        protocol,
        hostIP: nonEmpty(binding.HostIp),
        hostPort: binding.HostPort !== undefined && binding.HostPort !== '' && Number.isInteger(hostPort) ? hostPort : undefined,
      }));
    }
  }
  return result.sort((a, b) => compare(a.containerPort, b.containerPort) || compare(a.protocol, b.protocol) ||
    compare(a.hostIP ?? '', b.hostIP ?? '') || compare(a.hostPort ?? 0, b.hostPort ?? 0));
}

function network(name: string, settings: DockerEndpointSettings): NetworkAttachment {
  const ipam = settings.IPAMConfig ?? undefined;
  const linkLocal = ipam?.LinkLocalIPs ?? [];
  const ipamConfig = ipam === undefined ? undefined : defined({
    ipv4Address: nonEmpty(ipam.IPv4Address),
    ipv6Address: nonEmpty(ipam.IPv6Address),
    linkLocalIPs: linkLocal.length > 0 ? [...linkLocal] : undefined,
  });
  return defined({
    name,
    networkID: nonEmpty(settings.NetworkID),
    ipv4Address: nonEmpty(settings.IPAddress),
    ipv6Address: nonEmpty(settings.GlobalIPv6Address),
    // Verbatim, including the short container ID the engine adds on user networks: a recreate must leave it out.
    aliases: settings.Aliases === null || settings.Aliases === undefined ? undefined : [...settings.Aliases],
    macAddress: nonEmpty(settings.MacAddress),
    ipamConfig: ipamConfig === undefined || Object.keys(ipamConfig).length === 0 ? undefined : ipamConfig,
  });
}

function mount(point: DockerMountPoint): Mount | undefined {
  const type = MOUNT_TYPES.find((candidate) => candidate === point.Type);
  if (type === undefined || point.Destination === undefined) return undefined;
  return defined({
    type,
    name: nonEmpty(point.Name),
    source: point.Source,
    destination: point.Destination,
    driver: nonEmpty(point.Driver),
    mode: point.Mode,
    rw: point.RW,
    propagation: point.Propagation,
  });
}

/**
 * The Docker names a container links to: HostConfig.Links holds `/target:/self/alias` (the target's name at the time;
 * Docker rewrites it when the target is renamed).
 */
function links(inspect: DockerContainerInspect): string[] | undefined {
  const raw = inspect.HostConfig?.Links;
  if (!Array.isArray(raw)) return undefined;
  const targets = raw.flatMap((link) => (typeof link === 'string' && link.startsWith('/') ? [link.slice(1).split(':')[0] ?? ''] : [])).filter((name) => name !== '');
  return targets.length === 0 ? undefined : [...new Set(targets)].sort();
}

/** The service names of `com.docker.compose.depends_on` ("db:service_started:false,cache:service_healthy:true"). */
export function composeDependsOn(label: string | undefined): string[] {
  if (label === undefined) return [];
  return label.split(',').map((entry) => entry.split(':')[0]?.trim() ?? '').filter((service) => service !== '');
}

function compose(labels: Record<string, string>): ComposeInfo | undefined {
  const configFiles = labels[COMPOSE_LABELS.configFiles]?.split(',').map((file) => file.trim()).filter((file) => file !== '');
  const dependsOn = composeDependsOn(labels[COMPOSE_LABELS.dependsOn]);
  const info = defined({
    project: nonEmpty(labels[COMPOSE_LABELS.project]),
    service: nonEmpty(labels[COMPOSE_LABELS.service]),
    workingDir: nonEmpty(labels[COMPOSE_LABELS.workingDir]),
    configFiles: configFiles === undefined || configFiles.length === 0 ? undefined : configFiles,
    dependsOn: dependsOn.length === 0 ? undefined : dependsOn,
  });
  return Object.keys(info).length === 0 ? undefined : info;
}

/** The status facts of a container that exists; `image` is its image's inspect when the engine still has it. */
export function containerFacts(inspect: DockerContainerInspect, image: DockerImageInspect | undefined): ContainerFacts {
  const state = inspect.State ?? {};
  const labels = { ...inspect.Config?.Labels };
  const status = STATES.find((candidate) => candidate === state.Status);
  const health = HEALTHS.find((candidate) => candidate === state.Health?.Status) ?? 'none';
  const networks = Object.entries(inspect.NetworkSettings?.Networks ?? {})
    .map(([name, settings]) => network(name, settings))
    .sort((a, b) => compare(a.name, b.name));
  const mounts = (inspect.Mounts ?? []).flatMap((point) => mount(point) ?? []).sort((a, b) => compare(a.destination, b.destination));
  return defined({
    id: inspect.Id,
    name: inspect.Name.replace(/^\//, ''),
    image: inspect.Config?.Image,
    imageID: nonEmpty(inspect.Image),
    repoDigests: image === undefined ? undefined : [...(image.RepoDigests ?? [])].sort(),
    state: status,
    health,
    exitCode: state.ExitCode,
    restartCount: inspect.RestartCount,
    labels,
    ports: ports(inspect),
    networks,
    mounts,
    networkMode: nonEmpty(inspect.HostConfig?.NetworkMode),
    links: links(inspect),
    compose: compose(labels),
    createdAt: time(inspect.Created),
    startedAt: time(state.StartedAt),
    finishedAt: time(state.FinishedAt),
    self: isSelf(labels),
  });
}

/** The fact fields of a stored status. */
export function factsOf(status: ContainerStatus | undefined): ContainerFacts {
  const facts: Record<string, unknown> = {};
  for (const field of FACT_FIELDS) if (status?.[field] !== undefined) facts[field] = status[field];
  return facts as ContainerFacts;
}

/** The facts of a container that no longer exists: the last known ones, with state gone since `now`. */
export function goneFacts(previous: ContainerFacts, now: string): ContainerFacts {
  const { health: _health, ...rest } = previous;
  return { ...rest, state: 'gone', goneSince: previous.state === 'gone' && previous.goneSince !== undefined ? previous.goneSince : now };
}
