// The REST facade's errors: one class, one catalog, and the mapping of every other error a handler may meet (the
// resource client's Kubernetes ApiErrors, Docker errors, fastify's own) onto Docker Sentinel's envelope
// `{"error": "..."}` and its status codes (400, 401, 403, 404, 409, 429, 500, 502), plus 501 for what Vigil does not
// do yet and 503 while a Docker host cannot be reached.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isApiError } from '../resources/errors.ts';
import { isDockerError } from '../../domain/docker/client.ts';
import { AuthError } from '../auth/errors.ts';
import { describeValidationErrors, isValidationFailure } from './validation.ts';

export class RestError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RestError';
    this.statusCode = statusCode;
  }
}

export function isRestError(error: unknown): error is RestError {
  return error instanceof RestError;
}

export const restErrors = {
  badRequest: (message: string): RestError => new RestError(400, message),
  /** Sentinel's self-protection: actions on the manager's own container. */
  selfProtected: (name: string, action: string): RestError =>
    new RestError(403, `${name} is Vigil's own container (label sentinel.self or vigil.self): ${action} is refused`),
  notFound: (message: string): RestError => new RestError(404, message),
  conflict: (message: string): RestError => new RestError(409, message),
  /** The registry check failed (upstream error). */
  badGateway: (message: string): RestError => new RestError(502, message),
  /** An endpoint of the reference whose feature Vigil does not have yet. */
  notImplemented: (what: string): RestError => new RestError(501, `${what} is not implemented in Vigil yet`),
  unavailable: (message: string): RestError => new RestError(503, message),
};

/** The status code and message a failure answers with; a 500 says no more than "internal error" (details go to the log). */
export function toRestError(error: unknown): RestError {
  if (error instanceof RestError) return error;
  if (error instanceof AuthError) return new RestError(error.statusCode, error.message);
  if (isValidationFailure(error)) return new RestError(400, describeValidationErrors(error.validation, error.validationContext));
  if (isApiError(error)) {
    // A 422 from the resource API is bad input sent through REST: Sentinel answers those 400.
    const code = error.code === 422 ? 400 : error.code;
    return code >= 500 && code !== 503 ? new RestError(500, 'internal error', { cause: error }) : new RestError(code, error.message, { cause: error });
  }
  if (isDockerError(error)) {
    if (error.code === 'NotFound') return new RestError(404, error.message, { cause: error });
    if (error.code === 'Conflict') return new RestError(409, error.message, { cause: error });
    if (error.code === 'Unreachable' || error.code === 'Aborted') return new RestError(503, error.message, { cause: error });
    return new RestError(500, 'internal error', { cause: error });
  }
  const statusCode = fastifyStatus(error);
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return new RestError(statusCode, (error as Error).message, { cause: error });
  return new RestError(500, 'internal error', { cause: error });
}

function fastifyStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const statusCode = (error as Partial<FastifyError>).statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** Answers any error in the REST envelope; unexpected ones are logged with their cause. */
export function sendRestError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const rest = toRestError(error);
  if (rest.statusCode === 500) request.log.error({ err: rest.cause ?? error }, `${request.method} ${request.url} failed`);
  else if (rest.statusCode === 502 || rest.statusCode === 503) request.log.warn({ err: rest.cause ?? error }, `${request.method} ${request.url}: ${rest.message}`);
  return reply.code(rest.statusCode).type('application/json').send({ error: rest.message });
}
