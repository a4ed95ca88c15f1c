// The fastify plugin that authenticates and authorizes every request of every surface, before any handler runs:
// session cookie (`sentinel_session`, with its CSRF token on state-changing requests) or `Authorization: Bearer
// stk_...`, then the access table (access-table.ts). Failures answer in the surface's own format: {"error": "..."}
// on the REST API, a Kubernetes Status on the resource API (so kubectl prints "Error from server (Forbidden): ...").
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { WriteAdmission } from '../resources/client.ts';
import { discoveryRequirement, findRestRoute, resourceRequirement, restRequirement, type Requirement } from './access.ts';
import { AuthError, authErrors } from './errors.ts';
import { roleGrants, type Permission } from './permissions.ts';
import { isResourceApiPath, resourceRequestInfo, type ResourceRequest } from './request-info.ts';
import { authorizeResourceRequest, fieldAdmission, statusErrorOf } from './resource-access.ts';
import { ANONYMOUS_ADMIN, type AuthService, type Principal } from './service.ts';
import { secretsEqual, sha256Hex } from './tokens.ts';

export const SESSION_COOKIE = 'sentinel_session';
export const CSRF_COOKIE = 'sentinel_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** On every response while authentication is off. */
export const AUTH_DISABLED_HEADER = 'X-Vigil-Auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; undefined on public routes and before the auth hook ran. */
    principal: Principal | undefined;
  }
}

export interface AuthPluginOptions {
  auth: AuthService;
}

/** Container and Settings updates and patches: decided by what they change (writeAdmission). */
const pendingFieldChecks = new WeakMap<FastifyRequest, WriteAdmission>();

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Answers an AuthError in the format of the surface the request belongs to. */
export function sendAuthError(request: FastifyRequest, reply: FastifyReply, error: AuthError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', String(error.retryAfterSeconds));
  reply.code(error.statusCode).type('application/json');
  if (isResourceApiPath(pathOf(request))) return reply.send(JSON.stringify(statusErrorOf(error).status));
  return reply.send({ error: error.message });
}

export function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? request.url;
  const query = url.indexOf('?');
  return new URLSearchParams(query === -1 ? '' : url.slice(query + 1));
}

function requirementOf(request: FastifyRequest): { requirement: Requirement; resource: ResourceRequest | undefined } {
  const path = pathOf(request);
  if (isResourceApiPath(path)) {
    const info = resourceRequestInfo(request.method, path, queryOf(request));
    return info.kind === 'discovery' ? { requirement: discoveryRequirement(), resource: undefined } : { requirement: resourceRequirement(info), resource: info };
  }
  return { requirement: restRequirement(request.method, request.routeOptions.url), resource: undefined };
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

async function authenticate(auth: AuthService, request: FastifyRequest): Promise<Principal> {
  const bearer = bearerToken(request);
  if (bearer !== undefined) {
    const principal = bearer === '' ? undefined : await auth.principalFromToken(bearer);
    if (principal === undefined) throw authErrors.unauthenticated('invalid or revoked API token');
    return principal;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined || cookie === '') throw authErrors.unauthenticated();
  const principal = await auth.principalFromSession(cookie);
  if (principal === undefined) throw authErrors.unauthenticated('the session has expired or was revoked: sign in again');
  if (!SAFE_METHODS.has(request.method)) checkCsrf(request, principal);
  return principal;
}

/** A state-changing request carried by a session cookie must echo the session's CSRF token (bearer tokens need not). */
function checkCsrf(request: FastifyRequest, principal: Principal): void {
  const header = request.headers[CSRF_HEADER];
  const expected = principal.session?.csrfHash;
  if (typeof header !== 'string' || header === '' || expected === undefined || !secretsEqual(sha256Hex(header), expected)) {
    throw authErrors.forbidden(`missing or invalid CSRF token: send the ${CSRF_COOKIE} cookie's value in the X-CSRF-Token header`);
  }
}

function describe(principal: Principal): string {
  return principal.user === undefined ? 'anonymous' : `user "${principal.user.username}" (role ${principal.role})`;
}

function authorizeRest(principal: Principal, permissions: readonly Permission[], request: FastifyRequest): void {
  const missing = permissions.filter((permission) => !roleGrants(principal.role, permission));
  if (missing.length === 0) return;
  throw authErrors.forbidden(`forbidden: ${request.method} ${pathOf(request)} needs ${missing.join(' and ')}, which ${describe(principal)} does not have`);
}

async function onRequest(auth: AuthService, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { requirement, resource } = requirementOf(request);
  if (!(await auth.authEnabled())) {
    reply.header(AUTH_DISABLED_HEADER, 'disabled');
    request.principal = ANONYMOUS_ADMIN;
    return;
  }
  if (requirement.anonymous === 'public') return;
  if (!(await auth.isSetUp())) {
    throw new AuthError(503, 'Vigil is not set up yet: create the first admin with POST /setup and the one-time setup token in DATA_DIR/setup-token (the server log names the file)');
  }
  if (requirement.anonymous !== undefined) return;
  const principal = await authenticate(auth, request);
  request.principal = principal;
  if (resource === undefined) {
    authorizeRest(principal, requirement.permissions, request);
    return;
  }
  authorizeResourceRequest(principal, requirement, resource);
  if (requirement.fieldRule !== undefined) pendingFieldChecks.set(request, fieldAdmission(principal, requirement.fieldRule, resource));
}

/**
 * The admission the resource API runs on this request's write (WriteOptions.admit), once the change is known:
 * Container and Settings writes need the permissions of the spec fields they change. Undefined for every other
 * request, and when authentication is off.
 */
export function writeAdmission(request: FastifyRequest): WriteAdmission | undefined {
  return pendingFieldChecks.get(request);
}

/**
 * A REST route without an entry in the access table cannot be registered: forgetting one must fail the start, not
 * open a hole. Resource API routes are authorized from their path (request-info.ts) and need no entry.
 */
function checkRouteInTable(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (isResourceApiPath(route.url)) return;
  for (const method of methods) {
    if (method === 'HEAD' || method === 'OPTIONS') continue;
    if (findRestRoute(method, route.url) === undefined) {
      throw new Error(`route ${method} ${route.url} has no entry in the access table (apiserver/auth/access-table.ts)`);
    }
  }
}

async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    // Nothing from elsewhere: no inline script or style, no framing, forms post only here.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  });
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', checkRouteInTable);
  app.addHook('onRequest', async (request, reply) => {
    try {
      await onRequest(options.auth, request, reply);
    } catch (error) {
      if (error instanceof AuthError) return sendAuthError(request, reply, error);
      throw error;
    }
    return undefined;
  });
}

export default fp(authPlugin, { name: 'vigil-auth', fastify: '5.x' });
