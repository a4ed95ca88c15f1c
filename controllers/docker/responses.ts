// Turns the Engine API's answers into the client's domain types, checking the shape as it goes: the engine is outside
// the process, so nothing it sends is trusted to match the documentation.
import type { DockerContainerInspect, DockerImageInspect } from '../../domain/docker/api-types.ts';
import { CONTAINER_EVENT_ACTIONS, DockerError, eventCursor, type ContainerEvent, type ContainerEventAction, type ContainerSummary, type EngineInfo, type ImagePruneResult, type ImageSummary, type SwarmRole } from '../../domain/docker/client.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

export function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string') result[key] = entry;
  return result;
}

function protocolError(what: string): DockerError {
  return new DockerError('Protocol', `the engine's answer to ${what} is not what the Docker API documents`);
}

/** The managers GET /nodes reports reachable; undefined for an answer that is not a node list. */
export function reachableManagersFrom(nodes: unknown): number | undefined {
  if (!Array.isArray(nodes)) return undefined;
  return nodes.filter((node) => isRecord(node) && isRecord(node.ManagerStatus) && node.ManagerStatus.Reachability === 'reachable').length;
}

/** Whether `docker info` says the engine is a swarm manager (GET /nodes answers only there). */
export function isSwarmManagerInfo(info: unknown): boolean {
  const swarm = isRecord(info) && isRecord(info.Swarm) ? info.Swarm : {};
  return swarm.LocalNodeState === 'active' && swarm.ControlAvailable === true;
}

export function engineInfoFrom(info: unknown, version: unknown, nodes?: unknown): EngineInfo {
  if (!isRecord(info) || typeof info.ID !== 'string') throw protocolError('GET /info');
  if (!isRecord(version) || typeof version.Version !== 'string' || typeof version.ApiVersion !== 'string') throw protocolError('GET /version');
  const swarm = isRecord(info.Swarm) ? info.Swarm : {};
  const active = swarm.LocalNodeState === 'active';
  const role: SwarmRole = !active ? 'none' : swarm.ControlAvailable === true ? 'manager' : 'worker';
  const cluster = isRecord(swarm.Cluster) ? swarm.Cluster : {};
  const running = count(info.ContainersRunning);
  const paused = count(info.ContainersPaused);
  return {
    engineID: info.ID,
    hostname: text(info.Name),
    engineVersion: version.Version,
    apiVersion: version.ApiVersion,
    os: text(info.OperatingSystem) || text(version.Os),
    arch: text(info.Architecture) || text(version.Arch),
    swarm: {
      role,
      ...(active && text(swarm.NodeID) !== '' ? { nodeID: text(swarm.NodeID) } : {}),
      ...(active && text(cluster.ID) !== '' ? { clusterID: text(cluster.ID) } : {}),
      ...(role === 'manager' && typeof swarm.Managers === 'number' ? { managers: count(swarm.Managers) } : {}),
      ...(role === 'manager' && reachableManagersFrom(nodes) !== undefined ? { managersReachable: reachableManagersFrom(nodes) } : {}),
    },
    containers: { total: count(info.Containers), running, paused, stopped: count(info.ContainersStopped) },
    systemTime: systemTime(info.SystemTime),
  };
}

function systemTime(value: unknown): Date {
  const time = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) throw protocolError('GET /info (SystemTime)');
  return time;
}

export function summariesFrom(rows: unknown): ContainerSummary[] {
  if (!Array.isArray(rows)) throw protocolError('GET /containers/json');
  return rows.map((row: unknown) => {
    if (!isRecord(row) || typeof row.Id !== 'string') throw protocolError('GET /containers/json');
    const names = Array.isArray(row.Names) ? row.Names.filter((name): name is string => typeof name === 'string') : [];
    // Names also lists legacy link aliases ("/other/alias"); the container's own name has a single slash.
    const name = names.find((candidate) => candidate.lastIndexOf('/') === 0) ?? names[0] ?? '';
    return {
      id: row.Id,
      name: name.replace(/^\//, ''),
      image: text(row.Image),
      imageID: text(row.ImageID),
      state: text(row.State),
      labels: stringMap(row.Labels),
    };
  });
}

export function containerInspectFrom(body: unknown): DockerContainerInspect {
  if (!isRecord(body) || typeof body.Id !== 'string' || typeof body.Name !== 'string') throw protocolError('GET /containers/{id}/json');
  return body as DockerContainerInspect;
}

export function imageInspectFrom(body: unknown): DockerImageInspect {
  if (!isRecord(body) || typeof body.Id !== 'string') throw protocolError('GET /images/{name}/json');
  return body as DockerImageInspect;
}

const ACTIONS: ReadonlySet<string> = new Set(CONTAINER_EVENT_ACTIONS);

function isAction(value: string): value is ContainerEventAction {
  return ACTIONS.has(value);
}

/** One line of `GET /events`; undefined for what Vigil does not follow (other types, exec events). */
export function containerEventFrom(line: unknown): ContainerEvent | undefined {
  if (!isRecord(line) || line.Type !== 'container' || typeof line.Action !== 'string') return undefined;
  const actor = isRecord(line.Actor) ? line.Actor : {};
  const attributes = stringMap(actor.Attributes);
  // "health_status: healthy" carries its value in the action.
  const [action = '', detail] = line.Action.split(/:\s*/, 2);
  if (!isAction(action)) return undefined;
  const containerID = text(actor.ID) || text(line.id);
  if (containerID === '') return undefined;
  const seconds = typeof line.time === 'number' ? line.time : 0;
  // timeNano exceeds 2^53 and loses digits in JSON.parse: only its millisecond part is used.
  const time = typeof line.timeNano === 'number' ? new Date(Math.floor(line.timeNano / 1e6)) : new Date(seconds * 1000);
  const oldName = attributes.oldName?.replace(/^\//, '');
  return {
    action,
    containerID,
    name: (attributes.name ?? '').replace(/^\//, ''),
    ...(oldName === undefined ? {} : { oldName }),
    ...(action === 'health_status' && detail !== undefined ? { health: detail.trim() } : {}),
    attributes,
    time,
    cursor: eventCursor(new Date(seconds * 1000)),
  };
}

/** Docker's placeholders for "no tag" and "no digest" (older engines list dangling images with them). */
const NONE_NAMES = new Set(['<none>:<none>', '<none>@<none>']);

function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string' && !NONE_NAMES.has(entry)) : [];
}

export function imageSummariesFrom(list: unknown): ImageSummary[] {
  if (!Array.isArray(list)) throw protocolError('GET /images/json');
  return list.map((entry) => {
    if (!isRecord(entry) || typeof entry.Id !== 'string') throw protocolError('GET /images/json');
    return {
      id: entry.Id,
      repoTags: names(entry.RepoTags),
      repoDigests: names(entry.RepoDigests),
      size: count(entry.Size),
      created: new Date(count(entry.Created) * 1000),
    };
  });
}

export function imagePruneFrom(answer: unknown): ImagePruneResult {
  if (!isRecord(answer)) throw protocolError('POST /images/prune');
  const deleted = Array.isArray(answer.ImagesDeleted) ? answer.ImagesDeleted : [];
  return {
    deleted: deleted.flatMap((entry) => (isRecord(entry) && typeof entry.Deleted === 'string' ? [entry.Deleted] : [])),
    spaceReclaimed: count(answer.SpaceReclaimed),
  };
}
