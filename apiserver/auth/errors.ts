// The errors of authentication and authorization, independent of the surface: the plugin answers them as
// {"error": "..."} on the REST API and as a Kubernetes Status on the resource API (plugin.ts).

/** The object a refused resource API request names (a Kubernetes Status' `details`). */
export interface RefusedResource {
  group: string;
  /** The resource (plural), as kube-apiserver fills `details.kind` of a Forbidden. */
  kind: string;
  name?: string;
}

export class AuthError extends Error {
  readonly statusCode: number;
  /** For 429: when to try again, in seconds (the Retry-After header). */
  readonly retryAfterSeconds: number | undefined;
  readonly resource: RefusedResource | undefined;

  constructor(statusCode: number, message: string, retryAfterSeconds?: number, resource?: RefusedResource) {
    super(message);
    this.name = 'AuthError';
    this.statusCode = statusCode;
    this.retryAfterSeconds = retryAfterSeconds;
    this.resource = resource;
  }
}

export const authErrors = {
  unauthenticated: (message = 'authentication required: sign in or send Authorization: Bearer stk_...'): AuthError => new AuthError(401, message),
  invalidCredentials: (): AuthError => new AuthError(401, 'invalid username or password'),
  forbidden: (message: string, resource?: RefusedResource): AuthError => new AuthError(403, message, undefined, resource),
  badRequest: (message: string): AuthError => new AuthError(400, message),
  notFound: (message: string): AuthError => new AuthError(404, message),
  conflict: (message: string): AuthError => new AuthError(409, message),
  tooManyRequests: (message: string, retryAfterSeconds: number): AuthError => new AuthError(429, message, retryAfterSeconds),
};
