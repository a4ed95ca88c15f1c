// What the notification tests against `vigil serve` share: resource API calls with the admin's token, a webhook
// channel with a secret header in its own Secret, UpdateRecords made as the update controller makes them.
import type { VigilServer } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export const GROUP = '/apis/vigil.dev/v1alpha1';
/** The channel's secret header value; it must never show in a log or an answer. */
export const SECRET_TOKEN = 'vigil-hook-token-7d1f0c2a9e';

export async function api<T>(server: VigilServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: T; text: string }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...server.headers(), ...(body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(deadlines.request),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json: json as T, text };
}

export async function apiOk<T>(server: VigilServer, method: string, path: string, body?: unknown): Promise<T> {
  const answer = await api<T>(server, method, path, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

/** A webhook channel NAME to `url` with a custom header and, from its Secret, an Authorization header. */
export async function createWebhookChannel(server: VigilServer, name: string, url: string, events: readonly string[], retries = 3): Promise<void> {
  await apiOk(server, 'POST', '/api/v1/namespaces/vigil-system/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${name}-secret`, namespace: 'vigil-system' },
    stringData: { headers: JSON.stringify({ Authorization: `Bearer ${SECRET_TOKEN}` }) },
  });
  await apiOk(server, 'POST', `${GROUP}/notificationchannels`, {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'NotificationChannel',
    metadata: { name },
    spec: { type: 'webhook', events, retries, settings: { webhook: { url, headers: { 'X-Team': 'ops' } } }, secretRef: { name: `${name}-secret` } },
  });
}

/** A finished update of `web` from nginx:1.25 to nginx:1.26, as the update controller records one. */
export async function createRecord(server: VigilServer, name: string, outcome: 'success' | 'failed' = 'success'): Promise<{ finishedAt: string }> {
  const finishedAt = new Date().toISOString();
  await apiOk(server, 'POST', `${GROUP}/namespaces/local/updaterecords`, {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { name, namespace: 'local' },
    spec: { type: 'update', outcome, finishedAt, containerName: 'web', container: 'web', oldImage: 'nginx:1.25', newImage: 'nginx:1.26' },
  });
  return { finishedAt };
}

export interface ChannelStatus {
  pending?: number;
  sentCount?: number;
  failedCount?: number;
  lastSuccess?: string;
  lastError?: string;
  conditions?: Array<{ type: string; status: string; reason: string }>;
}

export async function channelStatus(server: VigilServer, name: string): Promise<ChannelStatus> {
  return (await apiOk<{ status?: ChannelStatus }>(server, 'GET', `${GROUP}/notificationchannels/${name}`)).status ?? {};
}

/** Polls `probe` until it returns a value; fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number = deadlines.condition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(100);
  }
}
