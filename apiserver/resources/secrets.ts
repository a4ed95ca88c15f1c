// Secrets: the store keeps the real values; nothing that leaves over HTTP carries them. Every `data` value a response
// or a watch event shows is SECRET_MASK, and so is each `data` value inside a copy of the object in the
// kubectl.kubernetes.io/last-applied-configuration annotation. A write from an HTTP client that sends SECRET_MASK back
// (kubectl edit, GET-modify-PUT) keeps the stored value. The in-process client returns real values: controllers need them.
import { isRecord } from './object-rules.ts';

/** base64("<masked>"): valid base64, as `data` values must be, and self-explanatory once decoded. */
export const SECRET_MASK = 'PG1hc2tlZD4=';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export function isSecret(object: { apiVersion?: unknown; kind?: unknown }): boolean {
  return object.apiVersion === 'v1' && object.kind === 'Secret';
}

function maskData(data: unknown): unknown {
  if (!isRecord(data)) return data;
  return Object.fromEntries(Object.keys(data).map((key) => [key, SECRET_MASK]));
}

function maskLastApplied(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed)) return SECRET_MASK;
    const { data, stringData, ...rest } = parsed;
    return JSON.stringify({
      ...rest,
      ...(data === undefined ? {} : { data: maskData(data) }),
      ...(stringData === undefined ? {} : { stringData: maskData(stringData) }),
    }) + (text.endsWith('\n') ? '\n' : '');
  } catch {
    // Not JSON: it could hold anything, so none of it is shown.
    return SECRET_MASK;
  }
}

/** A copy of a Secret fit to leave the server; any other object is returned as it is. */
export function maskSecret<T extends { apiVersion?: unknown; kind?: unknown; metadata?: unknown }>(object: T): T {
  if (!isSecret(object)) return object;
  const masked: Record<string, unknown> = { ...object };
  if (masked.data !== undefined) masked.data = maskData(masked.data);
  if (masked.stringData !== undefined) masked.stringData = maskData(masked.stringData);
  const metadata = object.metadata;
  if (isRecord(metadata) && isRecord(metadata.annotations) && typeof metadata.annotations[LAST_APPLIED_ANNOTATION] === 'string') {
    masked.metadata = {
      ...metadata,
      annotations: { ...metadata.annotations, [LAST_APPLIED_ANNOTATION]: maskLastApplied(metadata.annotations[LAST_APPLIED_ANNOTATION]) },
    };
  }
  return masked as T;
}

/** `desired` with every masked value a client sent back replaced by the stored one (so masking never loses data). */
export function restoreMasked(current: Record<string, unknown> | undefined, desired: Record<string, unknown>): Record<string, unknown> {
  if (current === undefined || !isSecret(desired)) return desired;
  const restored: Record<string, unknown> = { ...desired };
  if (isRecord(desired.data)) {
    const stored = isRecord(current.data) ? current.data : {};
    restored.data = Object.fromEntries(Object.entries(desired.data).map(([key, value]) =>
      [key, value === SECRET_MASK && typeof stored[key] === 'string' ? stored[key] : value]));
  }
  const currentAnnotations = isRecord(current.metadata) && isRecord(current.metadata.annotations) ? current.metadata.annotations : {};
  const desiredMetadata = isRecord(desired.metadata) ? desired.metadata : {};
  const desiredAnnotations = isRecord(desiredMetadata.annotations) ? desiredMetadata.annotations : undefined;
  const stored = currentAnnotations[LAST_APPLIED_ANNOTATION];
  if (desiredAnnotations !== undefined && typeof stored === 'string' && desiredAnnotations[LAST_APPLIED_ANNOTATION] === maskLastApplied(stored)) {
    restored.metadata = { ...desiredMetadata, annotations: { ...desiredAnnotations, [LAST_APPLIED_ANNOTATION]: stored } };
  }
  return restored;
}

/** stringData folded into data, as the server does for Secrets on every write (stringData is write-only). */
export function foldStringData<T extends Record<string, unknown>>(object: T): T {
  if (!isSecret(object) || !isRecord(object.stringData)) return object;
  const { stringData, ...rest } = object;
  const data: Record<string, unknown> = isRecord(rest.data) ? { ...rest.data } : {};
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return { ...rest, data } as unknown as T;
}
