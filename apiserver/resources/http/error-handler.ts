// The one error handler of the resource API: every failure leaves as a Kubernetes Status with the right code and
// reason and `Content-Type: application/json` (client-node cannot parse anything else). Unexpected errors are logged
// in full and answered as InternalError without their details, so no stack trace or internal message leaks.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errors, type Status } from '../errors.ts';

function fromFastifyError(error: FastifyError, bodyLimit: number): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${error.message}`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.badRequest(error.message);
    default:
      break;
  }
  const code = error.statusCode;
  if (code === 413) return errors.tooLarge(bodyLimit);
  if (code !== undefined && code >= 400 && code < 500) return new ApiError(code, code === 404 ? 'NotFound' : code === 405 ? 'MethodNotAllowed' : code === 415 ? 'UnsupportedMediaType' : 'BadRequest', error.message);
  return undefined;
}

export function statusOf(error: unknown, bodyLimit: number): { status: Status; unexpected: boolean } {
  if (error instanceof ApiError) return { status: error.status, unexpected: false };
  const known = typeof error === 'object' && error !== null && 'code' in error ? fromFastifyError(error as FastifyError, bodyLimit) : undefined;
  if (known !== undefined) return { status: known.status, unexpected: false };
  return { status: errors.internal('an unexpected error occurred; the server log has the details').status, unexpected: true };
}

export function statusErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply, bodyLimit: number): FastifyReply {
  const { status, unexpected } = statusOf(error, bodyLimit);
  if (unexpected) request.log.error({ err: error, url: request.url, method: request.method }, 'resource API request failed');
  return reply.code(status.code).type('application/json').send(JSON.stringify(status));
}
