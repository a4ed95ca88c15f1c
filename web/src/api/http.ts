// Every request the dashboard makes: relative URLs (so that Vigil under a reverse proxy's base path works: the page
// at /vigil/ fetches /vigil/api/…), the session cookie sent by the browser, and on every state-changing request the
// CSRF token the server set in the `sentinel_csrf` cookie echoed as `X-CSRF-Token`.
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function csrfToken(): string {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'sentinel_csrf') return decodeURIComponent(value.join('='));
  }
  return '';
}

/** The error text of an answer: REST's {"error"}, a Kubernetes Status's message, or the status line. */
async function errorText(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      if ('error' in body && typeof body.error === 'string') return body.error;
      if ('message' in body && typeof body.message === 'string') return body.message;
    }
  } catch {
    // Not JSON: the text itself, when there is one.
  }
  return text === '' ? `${response.status} ${response.statusText}` : text;
}

export async function request<T>(method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (body !== undefined) headers['content-type'] = contentType;
  const response = await fetch(url, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!response.ok) throw new HttpError(response.status, await errorText(response));
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export const getJson = <T>(url: string): Promise<T> => request<T>('GET', url);
export const postJson = <T>(url: string, body?: unknown): Promise<T> => request<T>('POST', url, body ?? {});
export const mergePatch = <T>(url: string, body: unknown): Promise<T> => request<T>('PATCH', url, body, 'application/merge-patch+json');

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
