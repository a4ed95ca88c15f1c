// Maps what dockerode/docker-modem and Node's sockets throw onto DockerError codes, so that controllers decide on a
// code (NotFound: the object is gone; Unreachable: reconnect later) and never on HTTP statuses or errno strings.
import { DockerError } from '../../domain/docker/client.ts';
import { isRecord } from './responses.ts';

function engineMessage(error: Record<string, unknown>): string {
  const json = error.json;
  if (isRecord(json) && typeof json.message === 'string') return json.message;
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  return typeof error.message === 'string' ? error.message : String(error);
}

/** `context` says what was attempted ("inspect container web on unix:///…"); it starts the message. */
export function toDockerError(error: unknown, context: string, signal?: AbortSignal): DockerError {
  if (error instanceof DockerError) return error;
  if (signal?.aborted === true || (error instanceof Error && error.name === 'AbortError')) {
    return new DockerError('Aborted', `${context}: aborted`, { cause: error });
  }
  if (!isRecord(error)) return new DockerError('Unreachable', `${context}: ${String(error)}`, { cause: error });
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (statusCode !== undefined) {
    const message = `${context}: ${engineMessage(error)}`;
    if (statusCode === 404) return new DockerError('NotFound', message, { statusCode, cause: error });
    if (statusCode === 409) return new DockerError('Conflict', message, { statusCode, cause: error });
    // Only a proxy in front of the engine (Portainer's Docker proxy) answers these: the engine behind it is away.
    if (statusCode === 502 || statusCode === 504) return new DockerError('Unreachable', message, { statusCode, cause: error });
    return new DockerError('EngineError', message, { statusCode, cause: error });
  }
  // No HTTP status: the transport failed (refused, reset, missing socket, TLS handshake): the engine is unreachable.
  const message = typeof error.message === 'string' ? error.message : String(error);
  const errno = typeof error.code === 'string' && !message.includes(error.code) ? ` (${error.code})` : '';
  return new DockerError('Unreachable', `${context}: ${message}${errno}`, { cause: error });
}
