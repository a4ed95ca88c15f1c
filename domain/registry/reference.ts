// Image references as Docker reads them (distribution's reference grammar and its normalisation): `nginx` is
// docker.io/library/nginx:latest, `ghcr.io/o/app:1.2@sha256:…` names a registry, a repository, a tag and a digest.
// Written here rather than taken from a library because the npm packages for it are unmaintained and this is small.

/** Docker Hub under its canonical name; index.docker.io and registry-1.docker.io are aliases. */
export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** The host that actually serves Docker Hub's registry API. */
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

export interface ImageReference {
  /** Canonical registry server: `docker.io` for Docker Hub, otherwise host[:port] lowercased. */
  registry: string;
  /** Repository path inside the registry (`library/nginx` for official Docker Hub images). */
  repository: string;
  /** The tag; `latest` when the reference has neither a tag nor a digest. */
  tag?: string;
  digest?: string;
  /** The name as written, without tag and digest (kept so that a target image reads like the current one). */
  name: string;
}

export class InvalidReferenceError extends Error {
  constructor(reference: string, reason: string) {
    super(`invalid image reference ${JSON.stringify(reference)}: ${reason}`);
    this.name = 'InvalidReferenceError';
  }
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** Parses `[registry/]path[:tag][@digest]` and applies Docker's defaults. */
export function parseImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  if (rest === '') throw new InvalidReferenceError(reference, 'empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidReferenceError(reference, `bad digest ${JSON.stringify(digest)}`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(reference, `bad tag ${JSON.stringify(tag)}`);
  }
  const name = rest;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  // As Docker decides: the first component is a registry when it looks like a host (a dot, a port, or localhost).
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  let registry = DOCKER_HUB;
  let path = rest;
  if (hasRegistry) {
    if (!HOST.test(first)) throw new InvalidReferenceError(reference, `bad registry host ${JSON.stringify(first)}`);
    registry = canonicalRegistry(first);
    path = rest.slice(slash + 1);
  }
  const components = path.split('/');
  for (const component of components) {
    if (!PATH_COMPONENT.test(component)) {
      throw new InvalidReferenceError(reference, `bad repository name component ${JSON.stringify(component)} (lowercase letters, digits and separators)`);
    }
  }
  if (registry === DOCKER_HUB && components.length === 1) path = `library/${path}`;
  return { registry, repository: path, ...(tag === undefined && digest === undefined ? { tag: 'latest' } : tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }), name };
}

/**
 * The canonical name of a registry server as a Registry resource or a Docker config.json key may spell it:
 * scheme and path dropped, lowercased, Docker Hub's aliases (and its old `https://index.docker.io/v1/`) → docker.io.
 */
export function canonicalRegistry(server: string): string {
  let host = server.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = host.indexOf('/');
  if (slash >= 0) host = host.slice(0, slash);
  if (host.endsWith(':443') && !host.startsWith('[')) host = host.slice(0, -4);
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

/** host[:port] that serves the registry API for a canonical registry name. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** localhost, 127.0.0.0/8 or [::1], with any port: the only servers plain HTTP is allowed for. */
export function isLoopbackServer(server: string): boolean {
  const host = canonicalRegistry(server).replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127(?:\.[0-9]{1,3}){3}$/.test(host);
}

/** The reference with its tag replaced (and any digest dropped), spelled like the original. */
export function withTag(reference: ImageReference, tag: string): string {
  return `${reference.name}:${tag}`;
}

/** `registry/repository` without tag: the key of a repository across the whole program. */
export function repositoryKey(reference: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${reference.registry}/${reference.repository}`;
}

/**
 * The digests among an image's RepoDigests (`name@sha256:…`) that belong to the repository of `reference`: an
 * image pulled from several repositories (or registries) has one entry per repository.
 */
export function repoDigestsFor(reference: Pick<ImageReference, 'registry' | 'repository'>, repoDigests: readonly string[]): string[] {
  const digests: string[] = [];
  for (const entry of repoDigests) {
    try {
      const parsed = parseImageReference(entry);
      if (parsed.digest !== undefined && parsed.registry === reference.registry && parsed.repository === reference.repository) digests.push(parsed.digest);
    } catch {
      // An entry Docker wrote that we cannot read names no repository of ours.
    }
  }
  return digests;
}
