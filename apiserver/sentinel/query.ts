// Query parameters of the REST facade: a count with a default and a maximum (more than the maximum is cut to it, as
// Sentinel does; anything that is not a positive whole number is a 400 naming the parameter), and RFC 3339 instants.
import { restErrors } from './errors.ts';

export interface CountParam {
  name: string;
  default: number;
  max: number;
}

export function countParam(value: unknown, param: CountParam): number {
  if (value === undefined || value === '') return param.default;
  const count = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw restErrors.badRequest(`${param.name}: must be a whole number from 1 to ${param.max} (got ${JSON.stringify(value)})`);
  }
  return Math.min(count, param.max);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 instant in ms, or undefined when absent. */
export function instantParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms)) throw restErrors.badRequest(`${name}: must be an RFC 3339 time such as 2025-01-15T14:30:00Z (got ${JSON.stringify(value)})`);
  return ms;
}

export function oneOfParam<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw restErrors.badRequest(`${name}: must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}
