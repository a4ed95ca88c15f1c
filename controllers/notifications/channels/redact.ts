// One redaction step for every sender: error texts, results and log lines pass through it before they leave a sender.
// Two layers, because neither alone is enough: the channel's own secret values (known exactly, so removed wherever they
// appear, also URL-encoded or inside a Basic credential) and shapes that carry secrets whatever the channel (a Telegram
// bot path, webhook paths of Discord and Slack, user:password@ in URLs, Authorization headers of every scheme).

const MASK = '***';

/** Secret values shorter than this are not searched for: "a" or "1" would shred ordinary text. */
const MIN_SECRET_LENGTH = 4;

const SHAPES: ReadonlyArray<[RegExp, string]> = [
  // Telegram: https://api.telegram.org/bot123456:ABC-def/sendMessage
  [/\/bot\d+:[A-Za-z0-9_-]+/g, `/bot${MASK}`],
  // Discord: /api/webhooks/{id}/{token}
  [/(\/api\/webhooks\/\d+\/)[A-Za-z0-9._-]+/g, `$1${MASK}`],
  // Slack: /services/T000/B000/XXXX
  [/(\/services\/)[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+/g, `$1${MASK}`],
  // Credentials in a URL authority: scheme://user:pass@host
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*:[^\s/@]*@/gi, `$1${MASK}@`],
  // Authorization / Proxy-Authorization headers and X-*-Key/Token headers, any scheme.
  [/((?:proxy-)?authorization["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${MASK}`],
  [/((?:x-[a-z-]*(?:key|token|secret))["']?\s*[:=]\s*["']?)[^"'\r\n,}]+/gi, `$1${MASK}`],
  // Bearer / Basic tokens quoted outside a header.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms in which a secret value may show up in an error text. */
function variantsOf(value: string): string[] {
  const variants = new Set<string>([value, encodeURIComponent(value), Buffer.from(value).toString('base64')]);
  return [...variants].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

export interface Redactor {
  (text: string): string;
}

/**
 * A redactor for one channel: every value of its Secret (and `extra` values such as the path parts of a webhook URL)
 * plus the generic shapes. Longer values are replaced first so a secret containing another is removed whole.
 */
export function createRedactor(secrets: Readonly<Record<string, string>>, extra: readonly string[] = []): Redactor {
  const values = new Set<string>();
  for (const value of [...Object.values(secrets), ...extra]) {
    for (const variant of variantsOf(value)) values.add(variant);
    // A secret URL (webhook_url): also its path segments and query values, which errors quote on their own.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
      try {
        const url = new URL(value);
        for (const segment of url.pathname.split('/')) if (segment.length >= 8) values.add(segment);
        for (const v of url.searchParams.values()) if (v.length >= MIN_SECRET_LENGTH) values.add(v);
        if (url.password) values.add(url.password);
      } catch {
        // Not a URL after all; the whole value is already searched for.
      }
    }
  }
  // Secrets that are JSON objects (webhook headers): their values, too.
  for (const value of Object.values(secrets)) {
    if (!value.trimStart().startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object') {
        for (const v of Object.values(parsed)) if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH) values.add(v);
      }
    } catch {
      // Not JSON; searched for whole.
    }
  }
  const sorted = [...values].sort((a, b) => b.length - a.length);
  const exact = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  return (text: string): string => {
    let out = exact ? text.replace(exact, MASK) : text;
    for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
    return out;
  };
}

/** Redaction without channel secrets: the generic shapes only (for text whose channel is unknown). */
export const redactShapes: Redactor = createRedactor({});
