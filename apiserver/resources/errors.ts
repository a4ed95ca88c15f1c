// Errors of the resource API as Kubernetes Status objects (k8s.io/apimachinery/pkg/api/errors): one catalog shared by
// the HTTP handlers and the in-process client, so that a controller sees the same NotFound or Conflict as kubectl.
import type { ResourceKind } from '../../schemas/index.ts';
import { causeText, type ValidationCause } from '../../schemas/validation.ts';
import { isStorageError } from '../storage/errors.ts';

export type StatusReason =
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/** An error answered as a Kubernetes Status. */
export class ApiError extends Error {
  readonly status: Status;

  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    };
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason | '' | undefined {
    return this.status.reason;
  }
}

export function isApiError(error: unknown, reason?: StatusReason): error is ApiError {
  return error instanceof ApiError && (reason === undefined || error.reason === reason);
}

/** "containers.vigil.dev" (or "secrets" for the core group), as Kubernetes names a resource in messages. */
export function qualifiedResource(kind: ResourceKind): string {
  return kind.group === '' ? kind.plural : `${kind.plural}.${kind.group}`;
}

function details(kind: ResourceKind, name: string | undefined): StatusDetails {
  return { ...(name === undefined ? {} : { name }), group: kind.group, kind: kind.plural };
}

export const errors = {
  notFound: (kind: ResourceKind, name: string): ApiError =>
    new ApiError(404, 'NotFound', `${qualifiedResource(kind)} "${name}" not found`, details(kind, name)),

  alreadyExists: (kind: ResourceKind, name: string): ApiError =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(kind)} "${name}" already exists`, details(kind, name)),

  conflict: (kind: ResourceKind, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": ${why}`, details(kind, name)),

  invalid: (kind: ResourceKind, name: string, causes: readonly ValidationCause[]): ApiError => {
    const qualifiedKind = kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
    const texts = causes.map(causeText);
    // Kubernetes lists several causes in brackets and one without (apimachinery errors.NewInvalid).
    const what = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
    return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${what}`, {
      ...details(kind, name),
      kind: kind.kind,
      // A cause's message does not repeat its field: kubectl prints `field: message` itself.
      causes: causes.map((cause) => ({ reason: cause.reason, message: cause.message, field: cause.field })),
    });
  },

  /** Options of a request (ListOptions, PatchOptions, DeleteOptions...) that apimachinery validation refuses. */
  invalidOptions: (optionsKind: string, causes: readonly ValidationCause[]): ApiError => {
    const texts = causes.map(causeText);
    const what = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
    return new ApiError(422, 'Invalid', `${optionsKind}.meta.k8s.io "" is invalid: ${what}`, {
      group: 'meta.k8s.io',
      kind: optionsKind,
      // A cause's message does not repeat its field: kubectl prints `field: message` itself.
      causes: causes.map((cause) => ({ reason: cause.reason, message: cause.message, field: cause.field })),
    });
  },

  /** Unknown fields under fieldValidation=Strict (kube-apiserver's strict decoding). */
  strictDecoding: (problems: readonly string[]): ApiError => new ApiError(400, 'BadRequest', `strict decoding error: ${problems.join(', ')}`),

  /** A server-side apply that would change fields other managers own (409 Conflict, causes FieldManagerConflict). */
  applyConflict: (message: string, causes: StatusCause[]): ApiError => new ApiError(409, 'Conflict', message, { causes }),

  badRequest: (message: string): ApiError => new ApiError(400, 'BadRequest', message),

  expired: (message: string): ApiError => new ApiError(410, 'Expired', message),

  methodNotAllowed: (message: string): ApiError => new ApiError(405, 'MethodNotAllowed', message),

  unsupportedMediaType: (contentType: string): ApiError =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`),

  tooLarge: (limit: number): ApiError =>
    new ApiError(413, 'RequestEntityTooLarge', `the request body is too large: the limit is ${limit} bytes`),

  timeout: (message: string): ApiError => new ApiError(504, 'Timeout', message),

  internal: (message: string): ApiError => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),

  unavailable: (message: string): ApiError => new ApiError(503, 'ServiceUnavailable', message),
};

/** Maps a storage error onto the Status Kubernetes answers for it; anything else becomes InternalError. */
export function fromStorageError(error: unknown, kind: ResourceKind, name: string): ApiError {
  if (error instanceof ApiError) return error;
  if (isStorageError(error)) {
    switch (error.code) {
      case 'NotFound':
        return errors.notFound(kind, name);
      case 'KeyExists':
        return errors.alreadyExists(kind, name);
      case 'Conflict':
        return errors.conflict(kind, name);
      case 'Fenced':
        return errors.conflict(kind, name, error.message);
      case 'InvalidPrecondition':
        return errors.conflict(kind, name, 'the UID in the precondition does not match the UID of the object');
      case 'Expired':
        return errors.expired(`The provided resource version is too old: ${error.message}`);
      case 'InvalidObject':
        return errors.badRequest(error.message);
      case 'Timeout':
        return errors.timeout(error.message);
      case 'Unreachable':
        return errors.unavailable(`the store is unreachable: ${error.message}`);
      case 'Internal':
        return errors.internal(error.message);
    }
  }
  return errors.internal(error instanceof Error ? error.message : String(error));
}
