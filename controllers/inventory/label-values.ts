// Sentinel's per-container labels, parsed strictly. Sentinel silently falls back to the default when a label is
// malformed (`sentinel.policy=sometimes` means "manual" without a word); Vigil reports it instead: the value is
// ignored for precedence and named in the Container's Ready condition. Each parser accepts exactly what the
// matching spec field accepts, so that a label and a `kubectl edit` mean the same thing.
import { compileTagRegex } from '../../schemas/tag-regex.ts';
import { parseCron } from '../../schemas/cron.ts';
import { parseDuration } from '../../schemas/duration.ts';
import type { JsonValue } from '../../schemas/json.ts';

export type LabelValue = { ok: true; value: JsonValue } | { ok: false; problem: string };

type Parser = (raw: string) => LabelValue;

function oneOf(allowed: readonly string[]): Parser {
  // Sentinel compares these case-insensitively; the value is reported as the schema spells it.
  return (raw) => {
    const value = raw.trim().toLowerCase();
    return allowed.includes(value)
      ? { ok: true, value }
      : { ok: false, problem: `Unsupported value: ${JSON.stringify(raw)}: supported values: ${allowed.map((entry) => JSON.stringify(entry)).join(', ')}` };
  };
}

/** Go's strconv.ParseBool, which is how a Go program such as Sentinel reads a boolean. */
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];
const boolean: Parser = (raw) => {
  const value = raw.trim();
  if (TRUE.includes(value)) return { ok: true, value: true };
  if (FALSE.includes(value)) return { ok: true, value: false };
  return { ok: false, problem: `Invalid value: ${JSON.stringify(raw)}: must be true or false` };
};

function checked(check: (value: string) => void): Parser {
  return (raw) => {
    const value = raw.trim();
    if (value === '') return { ok: false, problem: 'Required value: the label is empty' };
    try {
      check(value);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, problem: `Invalid value: ${JSON.stringify(raw)}: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
}

const HOUR_MS = 3_600_000;

const gracePeriod = checked((value) => {
  const ms = parseDuration(value, { days: false });
  if (ms > HOUR_MS) throw new Error('must be at most 1h');
});

const containerNames: Parser = (raw) => {
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return names.length > 0 ? { ok: true, value: [...new Set(names)] } : { ok: false, problem: `Invalid value: ${JSON.stringify(raw)}: expected comma-separated container names` };
};

/** By EFFECTIVE_FIELDS key. */
export const LABEL_PARSERS: Readonly<Record<string, Parser>> = {
  policy: oneOf(['auto', 'manual', 'pinned']),
  versionScope: oneOf(['patch', 'minor', 'major', 'all']),
  includeTags: checked((value) => void compileTagRegex(value)),
  excludeTags: checked((value) => void compileTagRegex(value)),
  schedule: checked((value) => void parseCron(value)),
  updateDelay: checked((value) => void parseDuration(value, { days: true })),
  gracePeriod,
  pullOnly: boolean,
  removeVolumes: boolean,
  notifySnooze: checked((value) => void parseDuration(value, { days: true })),
  verify: oneOf(['disabled', 'warn', 'enforce']),
  dependsOn: containerNames,
};

export function parseLabel(key: string, raw: string): LabelValue {
  const parser = LABEL_PARSERS[key];
  if (parser === undefined) return { ok: false, problem: `no label sets ${key}` };
  return parser(raw);
}
