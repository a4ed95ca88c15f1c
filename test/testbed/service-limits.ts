// What Discord's webhook and Telegram's sendMessage refuse, for the HTTP receivers that stand in for them: the same
// limits and markup rules, answered with the same 400 as the real services, so a test against the receiver fails
// where a real service would. Written from the services' documentation:
// - Discord, discord.com/developers/docs/resources/message#embed-object-embed-limits: content 2000; per embed title
//   256, description 4096, 25 fields of name 256 / value 1024, footer 2048, author 256; all embeds together 6000.
//   Answer: 400 {"message": "Invalid Form Body", "code": 50035, "errors": …}.
// - Telegram, core.telegram.org/bots/api#sendmessage and #html-style: text 1–4096 characters after entity parsing;
//   parse_mode HTML allows only its tags, `&` must start &lt; &gt; &amp; &quot; or a numeric entity, `<` only a
//   tag. Answer: 400 {"ok": false, "error_code": 400, "description": "Bad Request: …"}.
import type { ReceivedRequest, ScriptedAnswer } from './http-receiver.ts';

export const DISCORD = { content: 2000, title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000 } as const;
export const TELEGRAM = { text: 4096 } as const;

interface DiscordEmbed {
  title?: string;
  description?: string;
  fields?: Array<{ name?: string; value?: string }>;
  footer?: { text?: string };
  author?: { name?: string };
}

function discordError(field: string, message: string): ScriptedAnswer {
  return {
    status: 400,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message: 'Invalid Form Body', code: 50035, errors: { [field]: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message }] } } }),
  };
}

function parseJSON(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Discord's answer to an execute-webhook request, or undefined when Discord would accept it. */
export function discordRejection(request: ReceivedRequest): ScriptedAnswer | undefined {
  const payload = parseJSON(request.body) as { content?: string; embeds?: DiscordEmbed[] } | undefined;
  if (payload === undefined || typeof payload !== 'object') return { status: 400, body: JSON.stringify({ message: 'Cannot send an empty message', code: 50006 }) };
  if ((payload.content ?? '').length > DISCORD.content) return discordError('content', `Must be ${DISCORD.content} or fewer in length.`);
  const embeds = payload.embeds ?? [];
  if ((payload.content ?? '') === '' && embeds.length === 0) return { status: 400, body: JSON.stringify({ message: 'Cannot send an empty message', code: 50006 }) };
  let total = 0;
  for (const [index, embed] of embeds.entries()) {
    const checks: Array<[string, string | undefined, number]> = [
      [`embeds.${index}.title`, embed.title, DISCORD.title],
      [`embeds.${index}.description`, embed.description, DISCORD.description],
      [`embeds.${index}.footer.text`, embed.footer?.text, DISCORD.footer],
      [`embeds.${index}.author.name`, embed.author?.name, DISCORD.author],
    ];
    if ((embed.fields ?? []).length > DISCORD.fields) return discordError(`embeds.${index}.fields`, `Must be ${DISCORD.fields} or fewer in length.`);
    for (const [fieldIndex, field] of (embed.fields ?? []).entries()) {
      checks.push([`embeds.${index}.fields.${fieldIndex}.name`, field.name, DISCORD.fieldName], [`embeds.${index}.fields.${fieldIndex}.value`, field.value, DISCORD.fieldValue]);
    }
    for (const [name, value, max] of checks) {
      if ((value ?? '').length > max) return discordError(name, `Must be ${max} or fewer in length.`);
      total += (value ?? '').length;
    }
  }
  if (total > DISCORD.total) return discordError('embeds', `Embed size exceeds maximum size of ${DISCORD.total}`);
  return undefined;
}

const TELEGRAM_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);

function telegramError(description: string): ScriptedAnswer {
  return { status: 400, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ok: false, error_code: 400, description: `Bad Request: ${description}` }) };
}

/**
 * The visible text of a parse_mode HTML message (tags removed, entities decoded) as Telegram parses it, or the
 * parse error Telegram would answer.
 */
export function parseTelegramHTML(text: string): { text: string } | { error: string } {
  let visible = '';
  const open: string[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] ?? '';
    if (char === '<') {
      const end = text.indexOf('>', index);
      if (end === -1) return { error: `can't parse entities: unclosed start tag at byte offset ${index}` };
      const tag = text.slice(index + 1, end);
      const closing = tag.startsWith('/');
      const name = (closing ? tag.slice(1) : tag).split(/\s/)[0]?.toLowerCase() ?? '';
      if (!TELEGRAM_TAGS.has(name)) return { error: `can't parse entities: unsupported start tag "${name}" at byte offset ${index}` };
      if (closing) {
        if (open.pop() !== name) return { error: `can't parse entities: unmatched end tag at byte offset ${index}, expected "</${open.at(-1) ?? ''}>", found "</${name}>"` };
      } else {
        open.push(name);
      }
      index = end + 1;
      continue;
    }
    if (char === '&') {
      const entity = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/.exec(text.slice(index, index + 12));
      if (entity === null) return { error: `can't parse entities: character entity expected at byte offset ${index}` };
      const name = entity[1] ?? '';
      visible += name === 'lt' ? '<' : name === 'gt' ? '>' : name === 'amp' ? '&' : name === 'quot' ? '"' : String.fromCodePoint(name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)));
      index += entity[0].length;
      continue;
    }
    visible += char;
    index += 1;
  }
  if (open.length > 0) return { error: `can't parse entities: can't find end tag corresponding to start tag "${open.at(-1) ?? ''}"` };
  return { text: visible };
}

/** Telegram's answer to a sendMessage request, or undefined when Telegram would accept it. */
export function telegramRejection(request: ReceivedRequest): ScriptedAnswer | undefined {
  const payload = parseJSON(request.body) as { chat_id?: unknown; text?: string; parse_mode?: string } | undefined;
  if (payload === undefined || typeof payload.text !== 'string') return telegramError('message text is empty');
  let visible = payload.text;
  if (payload.parse_mode === 'HTML') {
    const parsed = parseTelegramHTML(payload.text);
    if ('error' in parsed) return telegramError(parsed.error);
    visible = parsed.text;
  } else if (payload.parse_mode !== undefined) {
    return telegramError(`unsupported parse_mode in this receiver: ${payload.parse_mode}`);
  }
  if (visible.trim() === '') return telegramError('message text is empty');
  if (visible.length > TELEGRAM.text) return telegramError('message is too long');
  return undefined;
}
