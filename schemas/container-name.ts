// How a Docker container name becomes a Container resource name (the namespace is the Host's name).
// Docker allows names Kubernetes does not (upper case, '_', leading '.'), and two Docker names may differ
// only in case, so a name that is not already a DNS-1123 subdomain is lowercased, sanitised and suffixed
// with a hash of the exact Docker name: distinct Docker names stay distinct resource names.
import { createHash } from 'node:crypto';
import { DNS1123_SUBDOMAIN_MAX, isDns1123Subdomain } from './names.ts';

const HASH_LENGTH = 8;

/** The resource name for a Docker container name (a leading '/' from docker inspect is ignored). */
export function containerResourceName(dockerName: string): string {
  const name = dockerName.replace(/^\//, '');
  if (isDns1123Subdomain(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH);
  const readable = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-') // '.' too: it would need non-empty labels on both sides
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, DNS1123_SUBDOMAIN_MAX - HASH_LENGTH - 1)
    .replace(/-+$/, '');
  return readable === '' ? hash : `${readable}-${hash}`;
}
