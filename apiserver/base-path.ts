// Vigil served under a path prefix (`vigil serve --base-path /vigil`), for a reverse proxy that forwards
// https://example.org/vigil/… as is, without stripping the prefix. Every route (REST, resource API, dashboard,
// health) moves under the prefix; this is done once, in front of the router (fastify's rewriteUrl), so that no route,
// access-table entry or test knows about it. A request outside the prefix gets the not-found answer; the prefix
// itself without its slash is redirected to PREFIX/ so that the dashboard's relative URLs resolve under it.
// A proxy that strips the prefix (the X-Forwarded-Prefix set-ups) needs no flag: every URL the dashboard uses is
// relative.

/** Where requests outside the prefix are sent: no route matches it, so they get the not-found answer. */
export const OUTSIDE_BASE_PATH = '/-outside-base-path';
/** Where PREFIX (no slash) is sent: a route that redirects to PREFIX/. */
export const BASE_PATH_ROOT = '/-base-path-root';

const SEGMENT = /^[A-Za-z0-9._~-]+$/;

export class BasePathError extends Error {}

/** '' (none) or `/a/b` (leading slash, no trailing one); throws BasePathError saying what is wrong. */
export function normalizeBasePath(text: string): string {
  const trimmed = text.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!trimmed.startsWith('/')) throw new BasePathError(`must start with "/" (got ${JSON.stringify(text)})`);
  for (const segment of trimmed.slice(1).split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new BasePathError(`each part must be letters, digits, ".", "_", "~" or "-" (got ${JSON.stringify(text)})`);
    }
  }
  return trimmed;
}

/** The URL the router sees for a request URL under `basePath` (see the module comment). */
export function routedUrl(basePath: string, url: string): string {
  if (basePath === '') return url;
  if (url === basePath || url.startsWith(`${basePath}?`)) return BASE_PATH_ROOT;
  if (url.startsWith(`${basePath}/`)) return url.slice(basePath.length);
  return `${OUTSIDE_BASE_PATH}${url.startsWith('/') ? url : `/${url}`}`;
}
