// Shoutrrr-style channel URLs (containrrr.dev/shoutrrr/services/*), which Watchtower and Diun users already hold, parsed
// into a typed NotificationChannelSpec plus the keys of its Secret. Pure: no I/O. Written here because no npm port
// exists. A part Vigil cannot represent is an error naming that part, never silently dropped.
import type { NotificationChannelSpec } from '../../schemas/generated/types.ts';

export class ShoutrrrURLError extends Error {
  /** The part of the URL at fault: "scheme", "host", "token", "query parameter \"devices\"" … */
  readonly part: string;
  constructor(part: string, reason: string) {
    super(`Shoutrrr URL: ${part}: ${reason}`);
    this.name = 'ShoutrrrURLError';
    this.part = part;
  }
}

export interface ParsedShoutrrrURL {
  spec: NotificationChannelSpec;
  secrets: Record<string, string>;
}

type Query = Map<string, string>;

/**
 * The parts of a service URL, split as Go's url.Parse does for Shoutrrr. Not WHATWG URL: it lower-cases the host and
 * reads a numeric host as an IPv4 address, while Shoutrrr keeps case-sensitive tokens and webhook ids in the host.
 */
interface URLParts {
  username: string;
  password: string;
  hostname: string;
  port: string;
  /** hostname[:port] */
  host: string;
  pathname: string;
  searchParams: URLSearchParams;
}

function splitURL(rest: string): URLParts {
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority.slice(0, at);
  const host = at === -1 ? authority : authority.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const hostMatch = /^([^:]*)(?::(\d*))?$/.exec(host);
  if (!hostMatch) throw new ShoutrrrURLError('host', 'cannot be read (host[:port])');
  const withoutFragment = tail.split('#')[0] ?? '';
  const q = withoutFragment.indexOf('?');
  return {
    username: colon === -1 ? userinfo : userinfo.slice(0, colon),
    password: colon === -1 ? '' : userinfo.slice(colon + 1),
    hostname: hostMatch[1] ?? '',
    port: hostMatch[2] ?? '',
    host,
    pathname: q === -1 ? withoutFragment : withoutFragment.slice(0, q),
    searchParams: new URLSearchParams(q === -1 ? '' : withoutFragment.slice(q + 1)),
  };
}

/** Query keys lower-cased (Shoutrrr matches them case-insensitively); each parser takes the ones it knows. */
function queryOf(url: URLParts): Query {
  const query: Query = new Map();
  for (const [key, value] of url.searchParams) query.set(key.toLowerCase(), value);
  return query;
}

function take(query: Query, key: string): string | undefined {
  const value = query.get(key);
  query.delete(key);
  return value;
}

function rejectRest(query: Query): void {
  for (const key of query.keys()) throw new ShoutrrrURLError(`query parameter "${key}"`, 'not supported by Vigil');
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ShoutrrrURLError('userinfo', 'invalid percent-encoding');
  }
}

function integerIn(part: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value)) throw new ShoutrrrURLError(part, `"${value}" is not an integer`);
  const n = Number(value);
  if (n < min || n > max) throw new ShoutrrrURLError(part, `must be between ${min} and ${max}`);
  return n;
}

function yes(value: string | undefined): boolean {
  return value !== undefined && ['yes', 'true', '1'].includes(value.toLowerCase());
}

function pathSegments(url: URLParts): string[] {
  return url.pathname.split('/').filter((s) => s !== '').map(decoded);
}

// discord://token@webhookid
function discord(url: URLParts, query: Query): ParsedShoutrrrURL {
  const token = decoded(url.username);
  const id = url.hostname;
  if (!token) throw new ShoutrrrURLError('token', 'missing (discord://token@webhookid)');
  if (!/^\d+$/.test(id)) throw new ShoutrrrURLError('webhook id', 'must be the numeric webhook id (discord://token@webhookid)');
  rejectRest(query);
  return { spec: { type: 'discord' }, secrets: { webhook_url: `https://discord.com/api/webhooks/${id}/${token}` } };
}

// telegram://token@telegram?chats=@chan
function telegram(url: URLParts, query: Query): ParsedShoutrrrURL {
  const token = `${decoded(url.username)}${url.password ? `:${decoded(url.password)}` : ''}`;
  if (!/^\d+:[A-Za-z0-9_-]+$/.test(token)) throw new ShoutrrrURLError('token', 'must be a bot token such as 123456:ABC-def');
  if (url.hostname !== 'telegram') throw new ShoutrrrURLError('host', 'must be "telegram" (telegram://token@telegram?chats=…)');
  const chats = (take(query, 'chats') ?? take(query, 'channels') ?? '').split(',').filter((c) => c !== '');
  if (chats.length === 0) throw new ShoutrrrURLError('query parameter "chats"', 'missing');
  if (chats.length > 1) throw new ShoutrrrURLError('query parameter "chats"', 'a Vigil channel sends to one chat: create one channel per chat');
  const chat = chats[0] ?? '';
  if (chat.includes(':')) throw new ShoutrrrURLError('query parameter "chats"', 'forum threads (chat:thread) are not supported');
  take(query, 'parsemode'); // Vigil always sends HTML with escaping; Shoutrrr's parse mode choice does not apply.
  rejectRest(query);
  return { spec: { type: 'telegram', settings: { telegram: { chatID: chat } } }, secrets: { bot_token: token } };
}

// gotify://host[:port][/path]/token?priority=&disabletls=yes
function gotify(url: URLParts, query: Query): ParsedShoutrrrURL {
  const segments = pathSegments(url);
  const token = segments.pop();
  if (!url.hostname) throw new ShoutrrrURLError('host', 'missing');
  if (!token) throw new ShoutrrrURLError('token', 'missing (gotify://host/token)');
  const scheme = yes(take(query, 'disabletls')) ? 'http' : 'https';
  const priority = take(query, 'priority');
  take(query, 'title') === undefined || fail('query parameter "title"', 'titles come from Vigil\'s templates');
  rejectRest(query);
  const base = `${scheme}://${url.host}${segments.length ? `/${segments.join('/')}` : ''}`;
  return {
    spec: {
      type: 'gotify',
      settings: { gotify: { url: base, ...(priority !== undefined ? { priority: integerIn('query parameter "priority"', priority, 0, 10) } : {}) } },
    },
    secrets: { token },
  };
}

function fail(part: string, reason: string): never {
  throw new ShoutrrrURLError(part, reason);
}

const NTFY_PRIORITIES: Record<string, number> = { min: 1, low: 2, default: 3, high: 4, max: 5, urgent: 5 };

// ntfy://[user:pass@]host/topic?scheme=http&priority=high
function ntfy(url: URLParts, query: Query): ParsedShoutrrrURL {
  const [topic, ...rest] = pathSegments(url);
  if (!url.hostname) fail('host', 'missing');
  if (!topic || rest.length > 0) fail('topic', 'the path must be exactly one topic (ntfy://host/topic)');
  if (!/^[-_A-Za-z0-9]{1,64}$/.test(topic)) fail('topic', 'only letters, digits, - and _ (at most 64)');
  const scheme = take(query, 'scheme') ?? 'https';
  if (scheme !== 'http' && scheme !== 'https') fail('query parameter "scheme"', 'must be http or https');
  const priorityText = take(query, 'priority');
  let priority: number | undefined;
  if (priorityText !== undefined) {
    priority = NTFY_PRIORITIES[priorityText.toLowerCase()] ?? integerIn('query parameter "priority"', priorityText, 1, 5);
  }
  rejectRest(query);
  const secrets: Record<string, string> = {};
  const username = decoded(url.username);
  if (url.password) secrets.password = decoded(url.password);
  else if (username) fail('password', 'a user needs a password (ntfy://user:pass@host/topic)');
  return {
    spec: {
      type: 'ntfy',
      settings: {
        ntfy: {
          server: `${scheme}://${url.host}`,
          topic,
          ...(priority !== undefined ? { priority } : {}),
          ...(username ? { username } : {}),
        },
      },
    },
    secrets,
  };
}

// slack://hook:A-B-C@webhook (incoming webhook) or the legacy slack://A/B/C; the Bot API form slack://xoxb:… is refused.
function slack(url: URLParts, query: Query): ParsedShoutrrrURL {
  let parts: string[];
  if (url.username === 'xoxb' || url.username === 'xoxp') fail('token', 'Slack Bot API tokens are not supported: use an incoming webhook (slack://hook:TOKEN@webhook)');
  if (url.username === 'hook') {
    if (url.hostname !== 'webhook') fail('host', 'must be "webhook" (slack://hook:TOKEN@webhook)');
    parts = decoded(url.password).split('-');
  } else {
    parts = [url.hostname, ...pathSegments(url)];
  }
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9]+$/.test(p))) fail('token', 'must be the three parts of the webhook token, A-B-C');
  take(query, 'color');
  rejectRest(query);
  return { spec: { type: 'slack' }, secrets: { webhook_url: `https://hooks.slack.com/services/${parts.join('/')}` } };
}

// pushover://shoutrrr:apiToken@userKey/?priority=
function pushover(url: URLParts, query: Query): ParsedShoutrrrURL {
  const appToken = decoded(url.password);
  const userKey = url.hostname;
  if (!appToken) fail('token', 'missing (pushover://shoutrrr:apiToken@userKey)');
  if (!userKey) fail('user key', 'missing (pushover://shoutrrr:apiToken@userKey)');
  const priority = take(query, 'priority');
  if (take(query, 'devices')) fail('query parameter "devices"', 'not supported by Vigil (messages go to all the user\'s devices)');
  rejectRest(query);
  return {
    spec: {
      type: 'pushover',
      ...(priority !== undefined ? { settings: { pushover: { priority: integerIn('query parameter "priority"', priority, -2, 2) } } } : {}),
    },
    secrets: { app_token: appToken, user_key: userKey },
  };
}

// smtp://user:pass@host:port/?from=&to=a,b&encryption=ExplicitTLS|ImplicitTLS|None|Auto
function smtp(url: URLParts, query: Query): ParsedShoutrrrURL {
  if (!url.hostname) fail('host', 'missing');
  const port = url.port ? Number(url.port) : 25;
  const from = take(query, 'fromaddress') ?? take(query, 'from');
  const to = (take(query, 'toaddresses') ?? take(query, 'to') ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (!from) fail('query parameter "from"', 'missing');
  const [firstTo, ...moreTo] = to;
  if (firstTo === undefined) fail('query parameter "to"', 'missing');
  const encryption = (take(query, 'encryption') ?? 'auto').toLowerCase();
  const starttls = take(query, 'usestarttls');
  let tls: 'none' | 'starttls' | 'tls';
  if (encryption === 'implicittls') tls = 'tls';
  else if (encryption === 'explicittls') tls = 'starttls';
  else if (encryption === 'none') tls = starttls !== undefined && yes(starttls) ? 'starttls' : 'none';
  else if (encryption === 'auto') tls = port === 465 ? 'tls' : 'starttls';
  else fail('query parameter "encryption"', 'must be None, ExplicitTLS, ImplicitTLS or Auto');
  take(query, 'auth'); // Shoutrrr's auth=Plain/Login: nodemailer negotiates the method the server offers.
  take(query, 'subject') === undefined || fail('query parameter "subject"', 'subjects come from Vigil\'s templates');
  rejectRest(query);
  const username = decoded(url.username);
  const secrets: Record<string, string> = {};
  if (url.password) secrets.password = decoded(url.password);
  return {
    spec: {
      type: 'smtp',
      settings: { smtp: { host: url.hostname, port, from, to: [firstTo, ...moreTo], tls, ...(username ? { username } : {}) } },
    },
    secrets,
  };
}

// generic+https://host/path (or generic://host/path, https unless disabletls=yes): a plain webhook.
function generic(url: URLParts, query: Query, inner: string | undefined): ParsedShoutrrrURL {
  const scheme = inner ?? (yes(query.get('disabletls')) ? 'http' : 'https');
  if (scheme !== 'http' && scheme !== 'https') fail('scheme', `generic+${scheme} is not http or https`);
  if (!url.hostname) fail('host', 'missing');
  if (url.username || url.password) fail('userinfo', 'credentials in a webhook URL are not supported: put an Authorization header in the Secret key "headers"');
  let target: URL;
  try {
    target = new URL(`${scheme}://${url.host}${url.pathname}`);
  } catch {
    fail('host', 'not a valid host for a webhook URL');
  }
  // Every other query parameter belongs to the receiver's URL (Shoutrrr forwards them too).
  for (const [key, value] of url.searchParams) if (key.toLowerCase() !== 'disabletls') target.searchParams.append(key, value);
  return { spec: { type: 'webhook', settings: { webhook: { url: target.toString() } } }, secrets: {} };
}

const PARSERS: Record<string, (url: URLParts, query: Query) => ParsedShoutrrrURL> = { discord, telegram, gotify, ntfy, slack, pushover, smtp };

export function parseShoutrrrURL(raw: string): ParsedShoutrrrURL {
  const match = /^([a-z][a-z0-9]*)(?:\+([a-z]+))?:\/\//i.exec(raw.trim());
  if (!match) fail('scheme', 'not a URL of the form service://…');
  const service = (match[1] ?? '').toLowerCase();
  const inner = match[2]?.toLowerCase();
  const url = splitURL(raw.trim().slice(match[0].length));
  const query = queryOf(url);
  if (service === 'generic') return generic(url, query, inner);
  if (inner !== undefined) fail('scheme', `"${service}+${inner}" is not a Shoutrrr service Vigil reads`);
  const parser = PARSERS[service];
  if (!parser) fail('scheme', `"${service}" is not one of ${[...Object.keys(PARSERS), 'generic'].join(', ')}`);
  return parser(url, query);
}
