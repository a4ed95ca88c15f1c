import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSender } from '../../../controllers/notifications/channels/index.ts';
import type { OutgoingMessage, ResolvedChannel } from '../../../controllers/notifications/channels/sender.ts';
import { startHttpReceiver as startReceiver, type HttpReceiver as Receiver } from '../../testbed/http-receiver.ts';

const BOT_TOKEN = '123456789:AAH-secretBotToken_xyz';

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    deliveryId: 'delivery-1',
    title: 'Update failed',
    body: 'Container: web\nError: pull failed',
    severity: 'error',
    emoji: '❌',
    payload: { type: 'update_failed', timestamp: '2026-12-07T01:00:00Z', containers: [{ name: 'web', host: 'local', image: 'nginx:1', error: 'pull failed' }] },
    ...overrides,
  };
}

const signal = () => new AbortController().signal;

let receiver: Receiver;
before(async () => {
  receiver = await startReceiver();
});
after(async () => {
  await receiver.close();
});

function last() {
  const request = receiver.requests.at(-1);
  assert.ok(request, 'the receiver got a request');
  return request;
}

async function send(channel: ResolvedChannel, msg: OutgoingMessage = message()) {
  const sender = createSender(channel);
  try {
    return await sender.send(msg, signal());
  } finally {
    await sender.close();
  }
}

describe('HTTP channel senders put the exact request on the wire', () => {
  it('webhook: POST url with the payload plus title/body, custom and secret headers, X-Vigil-Delivery', async () => {
    const result = await send({
      name: 'w',
      spec: { type: 'webhook', settings: { webhook: { url: `${receiver.base}/hook?x=1`, headers: { 'X-Env': 'prod' } } } },
      secrets: { headers: JSON.stringify({ Authorization: 'Bearer s3cr3t-token' }) },
    });
    assert.deepEqual(result, { outcome: 'delivered' });
    const r = last();
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/hook?x=1');
    assert.equal(r.headers['x-env'], 'prod');
    assert.equal(r.headers.authorization, 'Bearer s3cr3t-token');
    assert.equal(r.headers['x-vigil-delivery'], 'delivery-1');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), { ...message().payload, title: 'Update failed', body: 'Container: web\nError: pull failed' });
  });

  it('gotify: POST {url}/message with X-Gotify-Key, failure priority 8', async () => {
    await send({ name: 'g', spec: { type: 'gotify', settings: { gotify: { url: `${receiver.base}/gotify/` } } }, secrets: { token: 'gotify-app-token' } });
    const r = last();
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/gotify/message');
    assert.equal(r.headers['x-gotify-key'], 'gotify-app-token');
    assert.equal(r.headers['x-vigil-delivery'], 'delivery-1');
    assert.deepEqual(JSON.parse(r.body), { title: 'Update failed', message: 'Container: web\nError: pull failed', priority: 8 });
  });

  it('slack: POST webhook_url with mrkdwn text, bold title and escaped body', async () => {
    await send({ name: 's', spec: { type: 'slack' }, secrets: { webhook_url: `${receiver.base}/services/T0/B0/XYZ` } }, message({ body: 'a <b> & c' }));
    const r = last();
    assert.equal(r.path, '/services/T0/B0/XYZ');
    assert.deepEqual(JSON.parse(r.body), { text: '*❌ Update failed*\na &lt;b&gt; &amp; c' });
  });

  it('discord: one embed with colour and timestamp, mentions disabled, markdown escaped', async () => {
    await send({ name: 'd', spec: { type: 'discord' }, secrets: { webhook_url: `${receiver.base}/api/webhooks/42/tok` } }, message({ body: 'trusting_franklin @everyone' }));
    const r = last();
    assert.equal(r.path, '/api/webhooks/42/tok');
    assert.deepEqual(JSON.parse(r.body), {
      embeds: [{ title: '❌ Update failed', description: 'trusting\\_franklin @everyone', color: 0xe74c3c, timestamp: '2026-12-07T01:00:00Z' }],
      allowed_mentions: { parse: [] },
    });
  });

  it('ntfy: JSON publish to the server root with Bearer auth', async () => {
    await send({ name: 'n', spec: { type: 'ntfy', settings: { ntfy: { server: receiver.base, topic: 'vigil', priority: 5 } } }, secrets: { token: 'tk_ntfy' } });
    const r = last();
    assert.equal(r.path, '/');
    assert.equal(r.headers.authorization, 'Bearer tk_ntfy');
    assert.deepEqual(JSON.parse(r.body), { topic: 'vigil', title: '❌ Update failed', message: 'Container: web\nError: pull failed', priority: 5 });
  });

  it('ntfy: Basic auth from username and secret password', async () => {
    await send({ name: 'n', spec: { type: 'ntfy', settings: { ntfy: { server: receiver.base, topic: 't', username: 'bob' } } }, secrets: { password: 'pw' } });
    assert.equal(last().headers.authorization, `Basic ${Buffer.from('bob:pw').toString('base64')}`);
  });

  it('telegram: POST {apiBase}/bot{token}/sendMessage with HTML parse mode', async () => {
    await send(
      { name: 't', spec: { type: 'telegram', settings: { telegram: { chatID: '-100123', apiBase: `${receiver.base}/tg` } } }, secrets: { bot_token: BOT_TOKEN } },
      message({ body: 'x < y & *z*' }),
    );
    const r = last();
    assert.equal(r.path, `/tg/bot${BOT_TOKEN}/sendMessage`);
    assert.deepEqual(JSON.parse(r.body), {
      chat_id: '-100123',
      text: '<b>❌ Update failed</b>\nx &lt; y &amp; *z*',
      parse_mode: 'HTML',
      link_preview_options: { is_disabled: true },
    });
  });

  it('pushover: form POST {apiBase}/1/messages.json with token, user, title, message, priority', async () => {
    await send({
      name: 'p',
      spec: { type: 'pushover', settings: { pushover: { priority: 1, apiBase: `${receiver.base}/po` } } },
      secrets: { app_token: 'apptoken123', user_key: 'userkey456' },
    });
    const r = last();
    assert.equal(r.path, '/po/1/messages.json');
    assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(r.body)), {
      token: 'apptoken123',
      user: 'userkey456',
      title: '❌ Update failed',
      message: 'Container: web\nError: pull failed',
      priority: '1',
    });
  });

  it('apprise stateless: POST {url}/notify/ with urls', async () => {
    await send({ name: 'a', spec: { type: 'apprise', settings: { apprise: { url: `${receiver.base}/apprise` } } }, secrets: { urls: 'tgram://tok/1' } });
    const r = last();
    assert.equal(r.path, '/apprise/notify/');
    assert.deepEqual(JSON.parse(r.body), { title: '❌ Update failed', body: 'Container: web\nError: pull failed', type: 'failure', format: 'text', urls: 'tgram://tok/1' });
  });

  it('apprise stateful: POST {url}/notify/{key} with tag in the body', async () => {
    await send({ name: 'a', spec: { type: 'apprise', settings: { apprise: { url: receiver.base, key: 'homelab', tag: 'ops' } } }, secrets: {} });
    const r = last();
    assert.equal(r.path, '/notify/homelab');
    assert.deepEqual(JSON.parse(r.body), { title: '❌ Update failed', body: 'Container: web\nError: pull failed', type: 'failure', format: 'text', tag: 'ops' });
  });
});

describe('HTTP answers map to SendResult', () => {
  const channel = (): ResolvedChannel => ({ name: 'w', spec: { type: 'webhook', settings: { webhook: { url: `${receiver.base}/hook` } } }, secrets: {} });

  it('429 with Retry-After seconds is retry with retryAfterMs', async () => {
    receiver.respondWith({ status: 429, headers: { 'Retry-After': '7' }, body: 'slow down' });
    assert.deepEqual(await send(channel()), { outcome: 'retry', error: 'HTTP 429: slow down', retryAfterMs: 7000 });
  });

  it('503 with Retry-After as an HTTP date is retry with the remaining time', async () => {
    receiver.respondWith({ status: 503, headers: { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() } });
    const result = await send(channel());
    assert.equal(result.outcome, 'retry');
    assert.ok(result.outcome === 'retry' && result.retryAfterMs !== undefined && result.retryAfterMs > 50_000 && result.retryAfterMs <= 60_000);
  });

  it('telegram 429 without the header takes parameters.retry_after from the body', async () => {
    receiver.respondWith({ status: 429, body: JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: 3 } }) });
    const result = await send({ name: 't', spec: { type: 'telegram', settings: { telegram: { chatID: '1', apiBase: receiver.base } } }, secrets: { bot_token: BOT_TOKEN } });
    assert.equal(result.outcome === 'retry' ? result.retryAfterMs : undefined, 3000);
  });

  it('500 is retry, 400 is failed with the service text', async () => {
    receiver.respondWith({ status: 500, body: 'boom' });
    assert.deepEqual(await send(channel()), { outcome: 'retry', error: 'HTTP 500: boom' });
    receiver.respondWith({ status: 400, body: '{"message":"bad"}' });
    assert.deepEqual(await send(channel()), { outcome: 'failed', error: 'HTTP 400: {"message":"bad"}' });
  });

  it('a refused connection is an unreachable retry, and the Telegram token is not in the error', async () => {
    const result = await send({ name: 't', spec: { type: 'telegram', settings: { telegram: { chatID: '1', apiBase: 'http://127.0.0.1:1' } } }, secrets: { bot_token: BOT_TOKEN } });
    assert.equal(result.outcome, 'retry');
    assert.ok(result.outcome === 'retry' && result.unreachable === true, 'nothing arrived: the pipeline keeps it until the service is back');
    assert.ok(result.outcome === 'retry' && !result.error.includes('secretBotToken'), result.outcome === 'retry' ? result.error : '');
  });

  it('a service answer that echoes the secret comes back redacted', async () => {
    receiver.respondWith({ status: 401, body: `invalid token ${BOT_TOKEN} for /bot${BOT_TOKEN}/sendMessage` });
    const result = await send({ name: 't', spec: { type: 'telegram', settings: { telegram: { chatID: '1', apiBase: receiver.base } } }, secrets: { bot_token: BOT_TOKEN } });
    assert.equal(result.outcome, 'failed');
    assert.ok(result.outcome === 'failed' && !result.error.includes('secretBotToken') && result.error.includes('***'), JSON.stringify(result));
  });

  it('a channel missing its secret fails without a request', async () => {
    const before = receiver.requests.length;
    assert.deepEqual(await send({ name: 'g', spec: { type: 'gotify', settings: { gotify: { url: receiver.base } } }, secrets: {} }), {
      outcome: 'failed',
      error: 'channel misconfigured: secret key "token" is missing',
    });
    assert.equal(receiver.requests.length, before);
  });
});

describe('a 10,000-character error text stays within the service limits, escaped', () => {
  const hugeError = `pull failed: ${'<html>_*[x](y)&`'.repeat(620)} final cause: manifest unknown`;

  it('discord: the embed fits 4096 / 6000 and keeps both ends', async () => {
    const result = await send({ name: 'd', spec: { type: 'discord' }, secrets: { webhook_url: `${receiver.base}/api/webhooks/1/t` } }, message({ body: hugeError }));
    assert.deepEqual(result, { outcome: 'delivered' });
    const embed = JSON.parse(last().body).embeds[0];
    assert.ok(embed.description.length <= 4096, `description ${embed.description.length}`);
    assert.ok(embed.title.length + embed.description.length <= 6000);
    assert.ok(embed.description.startsWith('pull failed: <html\\>\\_\\*\\['));
    assert.ok(embed.description.endsWith('manifest unknown'));
    assert.ok(embed.description.includes('…'));
  });

  it('telegram: the text fits 4096 and is valid HTML (no raw < or & outside entities and the title tag)', async () => {
    await send(
      { name: 't', spec: { type: 'telegram', settings: { telegram: { chatID: '1', apiBase: receiver.base } } }, secrets: { bot_token: BOT_TOKEN } },
      message({ body: hugeError }),
    );
    const text: string = JSON.parse(last().body).text;
    assert.ok(text.length <= 4096, `text ${text.length}`);
    const withoutTitle = text.replace(/^<b>[^<]*<\/b>\n/, '');
    assert.doesNotMatch(withoutTitle, /<|>/);
    assert.doesNotMatch(withoutTitle, /&(?!amp;|lt;|gt;)/);
    assert.ok(withoutTitle.endsWith('manifest unknown'));
  });

  it('pushover: message 1024, title 250', async () => {
    await send(
      { name: 'p', spec: { type: 'pushover', settings: { pushover: { apiBase: receiver.base } } }, secrets: { app_token: 'apptoken123', user_key: 'userkey456' } },
      message({ body: hugeError, title: 'T'.repeat(400) }),
    );
    const form = new URLSearchParams(last().body);
    assert.ok((form.get('message') ?? '').length <= 1024);
    assert.ok((form.get('title') ?? '').length <= 250);
  });

  it('ntfy: message within 4096 bytes of UTF-8', async () => {
    await send({ name: 'n', spec: { type: 'ntfy', settings: { ntfy: { server: receiver.base, topic: 't' } } }, secrets: {} }, message({ body: 'é'.repeat(5000) }));
    assert.ok(Buffer.byteLength(JSON.parse(last().body).message, 'utf8') <= 4096);
  });
});
