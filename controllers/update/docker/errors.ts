// Errors of the update-side Docker interface, by what the caller must do about them rather than by HTTP code.
import { isObject } from '../../../schemas/json.ts';

/** The engine answered with an error; `statusCode` is its HTTP status (0 when the engine was not reached). */
export class DockerError extends Error {
  readonly statusCode: number;
  constructor(message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DockerError';
    this.statusCode = statusCode;
  }
}

/** 404: the container, image, network or exec does not exist. */
export class DockerNotFoundError extends DockerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 404, options);
    this.name = 'DockerNotFoundError';
  }
}

/** 409: the name is taken, the image is in use, the container is in the wrong state for the request. */
export class DockerConflictError extends DockerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 409, options);
    this.name = 'DockerConflictError';
  }
}

/** The engine's own message from a dockerode error ("(HTTP code 409) conflict - Conflict. The container name …"). */
function engineMessage(error: Record<string, unknown>): string {
  const json = error.json;
  if (isObject(json) && typeof json.message === 'string') return json.message;
  return typeof error.message === 'string' ? error.message : String(error);
}

/** Turns whatever dockerode rejected with into one of the errors above; AbortErrors pass through unchanged. */
export function toDockerError(error: unknown, what: string): Error {
  if (!isObject(error)) return new DockerError(`${what}: ${String(error)}`, 0);
  if (error.name === 'AbortError') return error instanceof Error ? error : new DockerError(`${what}: aborted`, 0);
  const statusCode = typeof error.statusCode === 'number' ? error.statusCode : 0;
  const message = `${what}: ${engineMessage(error)}`;
  const options = { cause: error };
  if (statusCode === 404) return new DockerNotFoundError(message, options);
  if (statusCode === 409) return new DockerConflictError(message, options);
  return new DockerError(message, statusCode, options);
}

export function statusCodeOf(error: unknown): number | undefined {
  return isObject(error) && typeof error.statusCode === 'number' ? error.statusCode : undefined;
}
