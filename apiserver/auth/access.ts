// Reads the access table (access-table.ts) for one request: what a REST route or a resource API request needs.
import { isDeepStrictEqual } from 'node:util';
import {
  DISCOVERY_ACCESS,
  REST_ROUTES,
  RESOURCE_RULES,
  STATUS_WRITE_PERMISSION,
  UNKNOWN_RESOURCE_PERMISSION,
  type Access,
  type ResourceRule,
  type RestRoute,
} from './access-table.ts';
import type { Permission } from './permissions.ts';
import { isReadVerb, type ResourceRequest } from './request-info.ts';

/**
 * What a request needs. `anonymous`: who may come without signing in (public, login, webhook), or undefined when a
 * signed-in principal is required, holding every permission in `permissions` (none: any role) and, when `anyOf` is
 * set, at least one of those. `fieldRule`: a write whose permissions also depend on the spec fields it changes,
 * decided once the change is known (fieldPermissions, called by the resource API's write admission).
 */
export interface Requirement {
  anonymous: 'public' | 'login' | 'webhook' | undefined;
  permissions: Permission[];
  anyOf?: Permission[];
  fieldRule?: ResourceRule;
}

function fromAccess(access: Access): Requirement {
  if (access === 'public' || access === 'login' || access === 'webhook') return { anonymous: access, permissions: [] };
  if (access === 'authenticated') return { anonymous: undefined, permissions: [] };
  return { anonymous: undefined, permissions: [access] };
}

/** `/api/containers/:name/logs` and `/api/containers/:container/logs` are the same route. */
export function routeKey(method: string, path: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${path.replace(/:[^/]+/g, ':')}`;
}

const restIndex = new Map<string, RestRoute>(REST_ROUTES.map((route) => [routeKey(route.method, route.path), route]));

export function findRestRoute(method: string, routeUrl: string): RestRoute | undefined {
  return restIndex.get(routeKey(method, routeUrl));
}

/** A REST request. No matched route (a 404 to come): any signed-in user, so that anonymous probing learns nothing. */
export function restRequirement(method: string, routeUrl: string | undefined): Requirement {
  const route = routeUrl === undefined ? undefined : findRestRoute(method, routeUrl);
  return route === undefined ? { anonymous: undefined, permissions: [] } : fromAccess(route.access);
}

export function resourceRule(resource: string): ResourceRule | undefined {
  return RESOURCE_RULES.find((rule) => rule.resource === resource);
}

export function discoveryRequirement(): Requirement {
  return fromAccess(DISCOVERY_ACCESS);
}

/** Every permission some write of the kind needs: its `write` and those of its ruled fields. */
export function writePermissions(rule: ResourceRule): Permission[] {
  const permissions = new Set<Permission>([rule.write]);
  for (const fieldRule of Object.values(rule.fields ?? {})) {
    permissions.add(fieldRule.permission);
    for (const permission of Object.values(fieldRule.byReason ?? {})) permissions.add(permission);
  }
  return [...permissions];
}

export function resourceRequirement(request: ResourceRequest): Requirement {
  const rule = resourceRule(request.resource);
  if (rule === undefined) return { anonymous: undefined, permissions: [UNKNOWN_RESOURCE_PERMISSION] };
  if (isReadVerb(request.verb)) {
    const subresource = request.subresource === undefined ? undefined : rule.readSubresources?.[request.subresource];
    return { anonymous: undefined, permissions: subresource === undefined ? [rule.read] : [rule.read, subresource] };
  }
  if (request.subresource !== undefined) return { anonymous: undefined, permissions: [STATUS_WRITE_PERMISSION] };
  if (rule.fields !== undefined) {
    // Creating is a write of the kind, plus whatever its ruled fields need. An update or patch needs only what the
    // fields it changes need, known once it is applied: here at least one write permission of the kind, so that a
    // role that can write nothing of the kind is refused before the body is even read, as Kubernetes' RBAC would.
    if (request.verb === 'create') return { anonymous: undefined, permissions: [rule.write], fieldRule: rule };
    if (request.verb === 'update' || request.verb === 'patch') return { anonymous: undefined, permissions: [], anyOf: writePermissions(rule), fieldRule: rule };
  }
  return { anonymous: undefined, permissions: [rule.write] };
}

/** Which spec fields a write changes, with their new values; `other` for any other change (labels, annotations...). */
export interface TouchedFields {
  fields: Map<string, unknown>;
  other: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Metadata a client may change; the rest is the server's (uid, resourceVersion, managedFields, timestamps...). */
const CLIENT_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

/**
 * What a write changes: the stored object (undefined: it is being created) against the validated result. Compared
 * as results, not read from the request body, so that every way to say a change (PUT, JSON patch, merge patch,
 * server-side apply, which may also remove fields) needs the same permissions, and a field set to its current value
 * needs nothing.
 */
export function touchedByChange(before: unknown, after: unknown): TouchedFields {
  const touched: TouchedFields = { fields: new Map(), other: before === undefined };
  const previous = isObject(before) ? before : {};
  const next = isObject(after) ? after : {};
  const oldMeta = isObject(previous.metadata) ? previous.metadata : {};
  const newMeta = isObject(next.metadata) ? next.metadata : {};
  for (const key of CLIENT_METADATA) {
    if (!isDeepStrictEqual(oldMeta[key], newMeta[key])) touched.other = true;
  }
  const oldSpec = isObject(previous.spec) ? previous.spec : {};
  const newSpec = isObject(next.spec) ? next.spec : {};
  for (const field of new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])) {
    if (!isDeepStrictEqual(oldSpec[field], newSpec[field])) touched.fields.set(field, newSpec[field]);
  }
  for (const field of new Set([...Object.keys(previous), ...Object.keys(next)])) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(field) && !isDeepStrictEqual(previous[field], next[field])) touched.other = true;
  }
  return touched;
}

/** Every permission a write needs given what it changes; a write that changes nothing needs nothing more. */
export function fieldPermissions(rule: ResourceRule, touched: TouchedFields): Permission[] {
  const needed = new Set<Permission>();
  if (touched.other) needed.add(rule.write);
  for (const [field, value] of touched.fields) {
    const fieldRule = rule.fields?.[field];
    if (fieldRule === undefined) {
      needed.add(rule.write);
      continue;
    }
    const reason = isObject(value) && typeof value.reason === 'string' ? value.reason : undefined;
    needed.add((reason === undefined ? undefined : fieldRule.byReason?.[reason]) ?? fieldRule.permission);
  }
  return [...needed];
}

/** The permission each changed field needs, for messages: "spec.notifyMode needs settings.modify". */
export function fieldNeeds(rule: ResourceRule, touched: TouchedFields, permission: Permission): string[] {
  const why: string[] = [];
  if (touched.other && rule.write === permission) why.push('metadata');
  for (const [field, value] of touched.fields) {
    if (fieldPermissions(rule, { fields: new Map([[field, value]]), other: false }).includes(permission)) why.push(`spec.${field}`);
  }
  return why;
}
