// Hash routing (#/containers?state=running): the server serves one page at one path whatever the route, so it works
// under any base path, and the filters in the query part survive a reload and can be shared as a link.
import { signal } from '@preact/signals';

export interface Location {
  path: string;
  query: URLSearchParams;
}

function parse(): Location {
  const hash = window.location.hash.replace(/^#/, '');
  const [path = '', query = ''] = hash.split('?', 2);
  return { path: path === '' ? '/' : path, query: new URLSearchParams(query) };
}

export const location = signal<Location>(parse());

window.addEventListener('hashchange', () => {
  location.value = parse();
});

export function hrefOf(path: string, query?: URLSearchParams): string {
  const text = query?.toString() ?? '';
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

export function navigate(path: string, query?: URLSearchParams): void {
  window.location.hash = hrefOf(path, query).slice(1);
}

/** Sets (or with '' removes) one query parameter of the current route, replacing the history entry. */
export function setQuery(name: string, value: string): void {
  const query = new URLSearchParams(location.value.query);
  if (value === '') query.delete(name);
  else query.set(name, value);
  history.replaceState(null, '', hrefOf(location.value.path, query));
  location.value = { path: location.value.path, query };
}

/** Matches `/containers/:namespace/:name` against a path: the parameters, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return undefined;
  }
  return params;
}
