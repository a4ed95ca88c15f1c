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
 * signed-in principal is required, holding every permission in `permissions` (none: any role). `fieldRule`: a write
 * whose permissions depend on the spec fields it touches, decided once the body is read (bodyRequirement).
 */
export interface Requirement {
  anonymous: 'public' | 'login' | 'webhook' | undefined;
  permissions: Permission[];
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

export function resourceRequirement(request: ResourceRequest): Requirement {
  const rule = resourceRule(request.resource);
  if (rule === undefined) return { anonymous: undefined, permissions: [UNKNOWN_RESOURCE_PERMISSION] };
  if (isReadVerb(request.verb)) return { anonymous: undefined, permissions: [rule.read] };
  if (request.subresource !== undefined) return { anonymous: undefined, permissions: [STATUS_WRITE_PERMISSION] };
  if ((request.verb === 'update' || request.verb === 'patch') && rule.fields !== undefined) {
    return { anonymous: undefined, permissions: [], fieldRule: rule };
  }
  return { anonymous: undefined, permissions: [rule.write] };
}

/** Which spec fields a write touches, with their new values; `other` for anything beyond the ruled fields. */
export interface TouchedFields {
  fields: Map<string, unknown>;
  other: boolean;
  /** The body could not be read: the write needs every permission the kind's writes can need. */
  unreadable?: boolean;
}

const EVERYTHING: TouchedFields = { fields: new Map(), other: true, unreadable: true };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields an object body sets (merge patch, server-side apply): its spec's keys; metadata counts as `other`. */
function touchedByObject(body: Record<string, unknown>): TouchedFields {
  const touched: TouchedFields = { fields: new Map(), other: false };
  for (const [field, value] of Object.entries(body)) {
    if (field === 'apiVersion' || field === 'kind' || field === 'status') continue;
    if (field === 'metadata' && isObject(value) && Object.keys(value).every((key) => key === 'resourceVersion' || key === 'name' || key === 'namespace')) continue;
    if (field !== 'spec' || !isObject(value)) {
      touched.other = true;
      continue;
    }
    for (const [specField, specValue] of Object.entries(value)) touched.fields.set(specField, specValue);
  }
  return touched;
}

/** Fields a JSON patch (RFC 6902) changes: `/spec/FIELD/...` paths; anything else counts as `other`. */
function touchedByJsonPatch(operations: unknown[]): TouchedFields {
  const touched: TouchedFields = { fields: new Map(), other: false };
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.path !== 'string') return EVERYTHING;
    if (operation.op === 'test') continue;
    const paths = [operation.path, ...(operation.op === 'move' && typeof operation.from === 'string' ? [operation.from] : [])];
    for (const path of paths) {
      const match = /^\/spec\/([^/]+)(\/.*)?$/.exec(path);
      const field = match?.[1]?.replace(/~1/g, '/').replace(/~0/g, '~');
      if (field === undefined) {
        touched.other = true;
      } else {
        // The new value matters only for `reason` (spec.update): a whole-field value, or the reason itself.
        const value = match?.[2] === undefined ? operation.value : match[2] === '/reason' ? { reason: operation.value } : undefined;
        touched.fields.set(field, touched.fields.has(field) && value === undefined ? touched.fields.get(field) : value);
      }
    }
  }
  return touched;
}

/** What a PATCH body touches; a body the hook cannot read counts as touching everything (the strictest answer). */
export function touchedByPatch(contentType: string | undefined, body: unknown): TouchedFields {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  let parsed = body;
  if (typeof parsed === 'string' || Buffer.isBuffer(parsed)) {
    try {
      parsed = JSON.parse(String(parsed));
    } catch {
      return EVERYTHING;
    }
  }
  if (type === 'application/json-patch+json') return Array.isArray(parsed) ? touchedByJsonPatch(parsed) : EVERYTHING;
  return isObject(parsed) ? touchedByObject(parsed) : EVERYTHING;
}

/** What a PUT changes compared with the stored object (undefined: it does not exist, everything is new). */
export function touchedByUpdate(before: unknown, body: unknown): TouchedFields {
  if (!isObject(body)) return EVERYTHING;
  if (!isObject(before)) return touchedByObject(body);
  const touched: TouchedFields = { fields: new Map(), other: false };
  const oldMeta = isObject(before.metadata) ? before.metadata : {};
  const newMeta = isObject(body.metadata) ? body.metadata : {};
  for (const key of ['labels', 'annotations', 'finalizers', 'ownerReferences']) {
    if (!isDeepStrictEqual(oldMeta[key] ?? undefined, newMeta[key] ?? undefined)) touched.other = true;
  }
  const oldSpec = isObject(before.spec) ? before.spec : {};
  const newSpec = isObject(body.spec) ? body.spec : {};
  for (const field of new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])) {
    if (!isDeepStrictEqual(oldSpec[field], newSpec[field])) touched.fields.set(field, newSpec[field]);
  }
  for (const field of Object.keys(body)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(field) && !isDeepStrictEqual(before[field], body[field])) touched.other = true;
  }
  return touched;
}

/** Every permission a write needs given the fields it touches (a write touching nothing needs the kind's `write`). */
export function fieldPermissions(rule: ResourceRule, touched: TouchedFields): Permission[] {
  const needed = new Set<Permission>();
  if (touched.other) needed.add(rule.write);
  if (touched.unreadable === true) {
    for (const fieldRule of Object.values(rule.fields ?? {})) {
      needed.add(fieldRule.permission);
      for (const permission of Object.values(fieldRule.byReason ?? {})) needed.add(permission);
    }
  }
  for (const [field, value] of touched.fields) {
    const fieldRule = rule.fields?.[field];
    if (fieldRule === undefined) {
      needed.add(rule.write);
      continue;
    }
    const reason = isObject(value) && typeof value.reason === 'string' ? value.reason : undefined;
    needed.add((reason === undefined ? undefined : fieldRule.byReason?.[reason]) ?? fieldRule.permission);
  }
  if (needed.size === 0) needed.add(rule.write);
  return [...needed];
}
