// How the REST facade names a container: `{name}` is a Docker container name on the local Host, `?host=HOST`
// selects another Host, and queue keys are `HOST::name` (docs/resources.md: the key is `namespace::status.name`).
// The Container resource is then found by the one name mapping (schemas/container-name.ts), never by listing.
import type { FastifyRequest } from 'fastify';
import type { Container } from '../../schemas/generated/types.ts';
import { containerResourceName } from '../../schemas/container-name.ts';
import { LOCAL_HOST_NAME } from '../../schemas/index.ts';
import { dns1123LabelProblems } from '../../schemas/names.ts';
import type { ResourceClient, ResourceObject } from '../resources/client.ts';
import { isApiError } from '../resources/errors.ts';
import { restErrors } from './errors.ts';

/** A container as the REST API names it: its Host (the Container's namespace) and its Docker name. */
export interface ContainerRef {
  namespace: string;
  /** The Container resource's name. */
  name: string;
  /** The Docker name. */
  dockerName: string;
}

export type StoredContainer = Container & ResourceObject;

export const KEY_SEPARATOR = '::';

function checkHost(host: string): string {
  const problems = dns1123LabelProblems(host);
  if (problems.length > 0) throw restErrors.badRequest(`host: "${host}" is not a host name: ${problems.join('; ')}`);
  return host;
}

function refOf(host: string, dockerName: string): ContainerRef {
  const name = dockerName.replace(/^\//, '');
  if (name === '') throw restErrors.badRequest('a container name is required');
  return { namespace: host, name: containerResourceName(name), dockerName: name };
}

/** The `?host=` query parameter: a Host name, `local` when absent or empty. */
export function hostParam(request: FastifyRequest): string {
  const host = (request.query as Record<string, unknown> | undefined)?.host;
  if (host === undefined || host === '') return LOCAL_HOST_NAME;
  if (typeof host !== 'string') throw restErrors.badRequest('host: give it once');
  return checkHost(host);
}

/** `{name}` of a path with `?host=`. */
export function containerRefOf(request: FastifyRequest, dockerName: string): ContainerRef {
  return refOf(hostParam(request), dockerName);
}

/** A queue key: `name` (local Host) or `HOST::name`. */
export function parseQueueKey(key: string): ContainerRef {
  const at = key.indexOf(KEY_SEPARATOR);
  if (at === -1) return refOf(LOCAL_HOST_NAME, key);
  return refOf(checkHost(key.slice(0, at)), key.slice(at + KEY_SEPARATOR.length));
}

/** The queue key of a container: its Docker name on the local Host, `HOST::name` elsewhere. */
export function queueKeyOf(container: StoredContainer): string {
  const host = container.metadata.namespace ?? LOCAL_HOST_NAME;
  const name = dockerNameOf(container);
  return host === LOCAL_HOST_NAME ? name : `${host}${KEY_SEPARATOR}${name}`;
}

/** The Docker name a Container stands for. */
export function dockerNameOf(container: Container): string {
  return container.status?.name ?? container.spec?.containerName ?? container.metadata.name ?? '';
}

export function describeRef(ref: ContainerRef): string {
  return ref.namespace === LOCAL_HOST_NAME ? `"${ref.dockerName}"` : `"${ref.dockerName}" on host "${ref.namespace}"`;
}

export interface FindOptions {
  /** Also answer a Container whose Docker container is gone (state gone). Default false: 404. */
  allowGone?: boolean;
}

/** The Container a REST name stands for; RestError 404 when there is none (or it is gone, unless allowed). */
export async function findContainer(resources: ResourceClient, ref: ContainerRef, options: FindOptions = {}): Promise<StoredContainer> {
  let container: StoredContainer;
  try {
    container = (await resources.get('Container', ref.namespace, ref.name)) as StoredContainer;
  } catch (error) {
    if (isApiError(error, 'NotFound')) throw restErrors.notFound(`container ${describeRef(ref)} not found`);
    throw error;
  }
  // Two Docker names can map to one resource name only through a hash collision; never act on the wrong one.
  if (dockerNameOf(container) !== ref.dockerName) throw restErrors.notFound(`container ${describeRef(ref)} not found`);
  if (options.allowGone !== true && container.status?.state === 'gone') {
    throw restErrors.notFound(`container ${describeRef(ref)} no longer exists (removed from Docker at ${container.status.goneSince ?? 'an unknown time'})`);
  }
  return container;
}
