// The Container `log` subresource's data: the last lines (at most 500) of a container's stdout and stderr, read from
// its engine through the host's session. The API server's route calls the provider and answers its ApiErrors as
// Kubernetes Status objects: 400 for a bad tailLines, 404 for an unknown or gone container, 503 while the host is
// not connected.
import { ApiError, errors } from '../../apiserver/resources/errors.ts';
import { findKindByName } from '../../schemas/index.ts';
import type { Container } from '../../schemas/generated/types.ts';
import { deadline, systemClock, type Clock, type Lister } from '../runtime/index.ts';
import { MAX_LOG_TAIL_LINES, isDockerError } from '../../domain/docker/client.ts';
import type { HostSessions } from '../hosts/host-sessions.ts';
import type { Stored } from '../stored.ts';

export interface ContainerLogsOptions {
  /** 1 to 500. */
  tailLines: number;
}

/** `(namespace, name, { tailLines }) => the text`: one line per log line, each ending with "\n", stdout and stderr interleaved as written. */
export type ContainerLogsProvider = (namespace: string, name: string, options: ContainerLogsOptions) => Promise<string>;

export interface ContainerLogsProviderOptions {
  sessions: HostSessions;
  containers: Lister<Stored<Container>>;
  /** Time limit of one read. Default 30 s. */
  timeoutMs?: number;
  clock?: Clock;
}

const containerKind = findKindByName('Container');

function notFound(namespace: string, name: string, why?: string): ApiError {
  if (containerKind === undefined) return new ApiError(404, 'NotFound', `container ${namespace}/${name} not found`);
  const error = errors.notFound(containerKind, name);
  return why === undefined ? error : new ApiError(404, 'NotFound', `${error.message}: ${why}`, error.status.details);
}

export function createContainerLogsProvider(options: ContainerLogsProviderOptions): ContainerLogsProvider {
  const clock = options.clock ?? systemClock;
  return async (namespace, name, { tailLines }) => {
    if (!Number.isInteger(tailLines) || tailLines < 1 || tailLines > MAX_LOG_TAIL_LINES) {
      throw errors.badRequest(`tailLines must be a whole number from 1 to ${MAX_LOG_TAIL_LINES}, got ${tailLines}`);
    }
    const container = options.containers.get(`${namespace}/${name}`);
    if (container === undefined) throw notFound(namespace, name);
    if (container.status?.state === 'gone') throw notFound(namespace, name, 'the Docker container is gone');
    const client = options.sessions.get(namespace)?.client;
    if (client === undefined) throw errors.unavailable(`Host ${namespace} is not connected: its logs cannot be read now`);
    const dockerName = container.status?.id ?? container.spec?.containerName ?? name;
    const limit = deadline(clock, options.timeoutMs ?? 30_000);
    try {
      const lines = await client.containerLogs(dockerName, { tailLines, signal: limit.signal });
      return lines.map((line) => `${line.text}\n`).join('');
    } catch (error) {
      if (isDockerError(error, 'NotFound')) throw notFound(namespace, name, 'the Docker container is gone');
      if (isDockerError(error, 'Unreachable') || isDockerError(error, 'Aborted')) throw errors.unavailable(`reading the logs of ${namespace}/${name}: ${error.message}`);
      throw errors.internal(`reading the logs of ${namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      limit.cancel();
    }
  };
}
