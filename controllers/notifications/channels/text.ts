// Fitting text to a service: length limits and markup escaping. Failure texts are the long ones (a stack trace, a
// registry's HTML error page); cutting from the middle keeps the start (what failed) and the end (the final cause).

const ELLIPSIS = '…';

/** At most `max` characters (UTF-16 code units, as the services count), cut from the middle with an ellipsis. */
export function trimMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  const keep = max - ELLIPSIS.length;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return safeSlice(text, 0, head) + ELLIPSIS + (tail > 0 ? safeSliceEnd(text, tail) : '');
}

/** At most `max` characters, cut at the end with an ellipsis (titles). */
export function trimEnd(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, max);
  return safeSlice(text, 0, max - ELLIPSIS.length) + ELLIPSIS;
}

// Never split a surrogate pair: half an emoji is invalid UTF-8 on the wire, and some services refuse it.
function safeSlice(text: string, start: number, end: number): string {
  let stop = end;
  const code = text.charCodeAt(stop - 1);
  if (code >= 0xd800 && code <= 0xdbff) stop -= 1;
  return text.slice(start, stop);
}
function safeSliceEnd(text: string, count: number): string {
  let from = text.length - count;
  const code = text.charCodeAt(from);
  if (code >= 0xdc00 && code <= 0xdfff) from += 1;
  return text.slice(from);
}

/** Telegram parse_mode HTML: only &, < and > are special (core.telegram.org/bots/api#html-style). */
export function escapeTelegramHTML(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack mrkdwn: &, < and > must be escaped (api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Discord markdown: a backslash before each markup character, so container names like a_b_c stay as written. */
export function escapeDiscord(text: string): string {
  return text.replace(/([\\*_~`|>#[\]()-])/g, '\\$1');
}

/**
 * Trim, then escape, keeping the escaped result within `max`: escaping only grows text, so find by bisection the
 * longest plain cut whose escaped form fits (about log2(max) passes).
 */
export function fitEscaped(text: string, max: number, escape: (t: string) => string): string {
  const whole = escape(text);
  if (whole.length <= max) return whole;
  let low = 0;
  let high = Math.min(text.length, max);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (escape(trimMiddle(text, mid)).length <= max) low = mid;
    else high = mid - 1;
  }
  return escape(trimMiddle(text, low));
}
