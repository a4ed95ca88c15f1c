// Authorization of resource API requests, worded as kube-apiserver words it (so that kubectl users recognise it):
// `containers.vigil.dev "x" is forbidden: User "viewer1" cannot patch resource "containers" in API group "vigil.dev"
// in the namespace "local": ...` (k8s.io/apiserver endpoints/handlers/responsewriters forbiddenMessage), and the
// write admission that checks what an update or patch really changes once it is applied to the stored object.
import type { ResourceObject, WriteAdmission } from '../resources/client.ts';
import { ApiError, type StatusReason } from '../resources/errors.ts';
import { fieldNeeds, fieldPermissions, touchedByChange, type Requirement } from './access.ts';
import type { ResourceRule } from './access-table.ts';
import { AuthError, authErrors } from './errors.ts';
import { roleGrants, type Permission } from './permissions.ts';
import type { ResourceRequest } from './request-info.ts';
import type { Principal } from './service.ts';

function qualifiedResource(request: ResourceRequest): string {
  return request.group === '' ? request.resource : `${request.resource}.${request.group}`;
}

/** kube-apiserver's message for a refused resource request, followed by why. */
export function forbiddenForResource(principal: Principal, request: ResourceRequest, why: string): AuthError {
  const what = request.name === undefined ? qualifiedResource(request) : `${qualifiedResource(request)} "${request.name}"`;
  const resource = request.subresource === undefined ? request.resource : `${request.resource}/${request.subresource}`;
  const where = request.namespace === undefined ? 'at the cluster scope' : `in the namespace "${request.namespace}"`;
  const user = principal.user?.username ?? 'system:anonymous';
  return authErrors.forbidden(`${what} is forbidden: User "${user}" cannot ${request.verb} resource "${resource}" in API group "${request.group}" ${where}: ${why}`, {
    group: request.group,
    kind: request.resource,
    ...(request.name === undefined ? {} : { name: request.name }),
  });
}

function lacking(principal: Principal, permissions: readonly Permission[]): Permission[] {
  return permissions.filter((permission) => !roleGrants(principal.role, permission));
}

/** Throws a Forbidden unless the principal holds what the request needs before its body is read. */
export function authorizeResourceRequest(principal: Principal, requirement: Requirement, request: ResourceRequest): void {
  const missing = lacking(principal, requirement.permissions);
  if (missing.length > 0) throw forbiddenForResource(principal, request, `the role ${principal.role} lacks ${missing.join(' and ')}`);
  const anyOf = requirement.anyOf;
  if (anyOf !== undefined && lacking(principal, anyOf).length === anyOf.length) {
    throw forbiddenForResource(principal, request, `the role ${principal.role} has none of ${anyOf.join(', ')}`);
  }
}

const REASONS: Readonly<Record<number, StatusReason>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

/** An AuthError as the Status the resource API answers with. */
export function statusErrorOf(error: AuthError): ApiError {
  const reason = REASONS[error.statusCode] ?? (error.statusCode < 500 ? 'BadRequest' : 'InternalError');
  const details = {
    ...(error.resource ?? {}),
    ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
  };
  return new ApiError(error.statusCode, reason, error.message, Object.keys(details).length === 0 ? undefined : details);
}

/**
 * The admission of a Container or Settings write: the permissions of the spec fields it changes (a policy change
 * needs containers.manage, notifyMode settings.modify, an approval containers.approve...), refused as a Forbidden
 * Status before anything is stored.
 */
export function fieldAdmission(principal: Principal, rule: ResourceRule, request: ResourceRequest): WriteAdmission {
  return (current: ResourceObject | undefined, desired: ResourceObject) => {
    const touched = touchedByChange(current, desired);
    const missing = lacking(principal, fieldPermissions(rule, touched));
    if (missing.length === 0) return;
    const why = missing.map((permission) => {
      const fields = fieldNeeds(rule, touched, permission).map((field) => (field === 'metadata' && current === undefined ? 'creating it' : field === 'metadata' ? 'changing its metadata' : `changing ${field}`));
      return `${fields.join(' and ')} needs ${permission}`;
    });
    throw statusErrorOf(forbiddenForResource(principal, request, `${why.join('; ')}, which the role ${principal.role} lacks`));
  };
}
