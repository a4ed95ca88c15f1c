// What an inbound webhook names: Docker Hub's push (`push_data` + `repository.repo_name`), GitHub's package events
// for GHCR (`package` or `registry_package`, with `namespace` or `owner.login` and the version's container tag), or a
// generic `{"image": "name[:tag]", "tag"?}`. Anything else, or no JSON at all, names nothing: the caller scans all.
export type WebhookSource = 'dockerhub' | 'ghcr' | 'generic' | 'unknown';

export interface WebhookPayload {
  source: WebhookSource;
  /** The repository as the sender names it (`myuser/myapp`, `ghcr.io/org/app`); empty when none. */
  image: string;
  tag: string;
}

const UNKNOWN: WebhookPayload = { source: 'unknown', image: '', tag: '' };

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function dockerHub(body: Record<string, unknown>): WebhookPayload | undefined {
  const repository = record(body.repository);
  const image = text(repository?.repo_name) || text(repository?.name);
  return image === '' ? undefined : { source: 'dockerhub', image, tag: text(record(body.push_data)?.tag) };
}

function ghcr(pkg: Record<string, unknown>): WebhookPayload | undefined {
  const name = text(pkg.name);
  if (name === '') return undefined;
  const owner = text(pkg.namespace) || text(record(pkg.owner)?.login);
  const version = record(pkg.package_version);
  const tag = text(record(record(version?.container_metadata)?.tag)?.name);
  return { source: 'ghcr', image: `ghcr.io/${owner === '' ? '' : `${owner.toLowerCase()}/`}${name.toLowerCase()}`, tag };
}

function generic(body: Record<string, unknown>): WebhookPayload | undefined {
  let image = text(body.image);
  if (image === '') return undefined;
  let tag = text(body.tag);
  if (tag === '') {
    // `name:tag`, not a registry's port: a tag has no slash after its colon.
    const colon = image.lastIndexOf(':');
    if (colon > image.lastIndexOf('/') && colon > 0) {
      tag = image.slice(colon + 1);
      image = image.slice(0, colon);
    }
  }
  return { source: 'generic', image, tag };
}

export function parseWebhookPayload(raw: string): WebhookPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return UNKNOWN;
  }
  const body = record(parsed);
  if (body === undefined) return UNKNOWN;
  if ('push_data' in body) return dockerHub(body) ?? UNKNOWN;
  const pkg = record(body.package) ?? record(body.registry_package);
  if (pkg !== undefined) return ghcr(pkg) ?? UNKNOWN;
  if ('image' in body) return generic(body) ?? UNKNOWN;
  return UNKNOWN;
}
