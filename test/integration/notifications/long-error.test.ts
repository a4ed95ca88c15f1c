// A 10,000-character failure text full of markup characters (an HTML error page, underscores, backticks, `&`, `<`,
// @everyone) in an update_failed, sent by a real `vigil serve` to HTTP receivers on 127.0.0.1 that stand in for
// Discord (its webhook URL) and Telegram (the Bot API base override). The receivers refuse with a 400 what the real
// services refuse (test/testbed/service-limits.ts: Discord's embed limits, Telegram's 4096 characters after parsing
// and its HTML rules), so the message arriving accepted proves it fits, is escaped, and keeps the beginning of the
// failure text with an ellipsis where it was cut.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deadlines } from '../../testbed/deadlines.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { DISCORD, discordRejection, parseTelegramHTML, TELEGRAM, telegramRejection } from '../../testbed/service-limits.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { apiOk, channelStatus, eventually, GROUP } from './fixtures.ts';

const BOT_TOKEN = '123456:telegram-bot-token-4f1c9e';
const DISCORD_TOKEN = 'discord-webhook-token-9a8b7c';
const BEGINNING = 'pull failed: <html><body><h1>502 Bad Gateway</h1> & retry_after *soon* `now` @everyone [link](x) #1 ';
const CHUNK = 'layer sha256:0123456789abcdef_part <err> & ~strike~ | > quote\n';
const END = 'final cause: manifest unknown';

function longError(): string {
  let text = BEGINNING;
  while (text.length < 10_000 - END.length) text += CHUNK;
  return (text.slice(0, 10_000 - END.length) + END).slice(0, 10_000);
}

/** Undoes escapeDiscord (a backslash before each markup character). */
function unescapeDiscord(text: string): string {
  return text.replace(/\\([\\*_~`|>#[\]()-])/g, '$1');
}

describe('a 10,000-character failure text reaches Discord and Telegram within their limits', () => {
  let vigil: VigilChild;
  let discord: HttpReceiver;
  let telegram: HttpReceiver;
  const error = longError();

  before(async () => {
    discord = await startHttpReceiver({ validate: discordRejection });
    telegram = await startHttpReceiver({ validate: telegramRejection });
    vigil = await startVigil();
    const secret = async (name: string, stringData: Record<string, string>): Promise<void> => {
      await apiOk(vigil, 'POST', '/api/v1/namespaces/vigil-system/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'vigil-system' }, stringData });
    };
    await secret('discord-secret', { webhook_url: `${discord.base}/api/webhooks/42/${DISCORD_TOKEN}` });
    await secret('telegram-secret', { bot_token: BOT_TOKEN });
    const channel = async (name: string, spec: Record<string, unknown>): Promise<void> => {
      await apiOk(vigil, 'POST', `${GROUP}/notificationchannels`, { apiVersion: 'vigil.dev/v1alpha1', kind: 'NotificationChannel', metadata: { name }, spec: { events: ['update_failed'], retries: 0, ...spec } });
    };
    await channel('discord', { type: 'discord', secretRef: { name: 'discord-secret' } });
    await channel('telegram', { type: 'telegram', settings: { telegram: { chatID: '-1001', apiBase: telegram.base } }, secretRef: { name: 'telegram-secret' } });
  });

  after(async () => {
    await vigil?.stop();
    await discord?.close();
    await telegram?.close();
  });

  test('the receivers answer 400 to what the real services refuse', async () => {
    const post = async (url: string, body: unknown): Promise<{ status: number; text: string }> => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(deadlines.request) });
      return { status: response.status, text: await response.text() };
    };
    const tooLongEmbed = await post(`${discord.base}/api/webhooks/1/t`, { embeds: [{ title: 'x', description: error }] });
    assert.equal(tooLongEmbed.status, 400);
    assert.match(tooLongEmbed.text, /Invalid Form Body/);
    assert.equal((await post(`${discord.base}/api/webhooks/1/t`, { content: 'c'.repeat(DISCORD.content + 1) })).status, 400);
    const tooLongText = await post(`${telegram.base}/botX/sendMessage`, { chat_id: 1, text: 'a'.repeat(TELEGRAM.text + 1) });
    assert.equal(tooLongText.status, 400);
    assert.match(tooLongText.text, /message is too long/);
    const unescaped = await post(`${telegram.base}/botX/sendMessage`, { chat_id: 1, text: 'x < y & z', parse_mode: 'HTML' });
    assert.equal(unescaped.status, 400);
    assert.match(unescaped.text, /can't parse entities/);
    assert.equal((await post(`${telegram.base}/botX/sendMessage`, { chat_id: 1, text: 'x &lt; y &amp; z', parse_mode: 'HTML' })).status, 200);
  });

  test('the update_failed with the long error is accepted by both, cut with an ellipsis, its beginning kept and escaped', async () => {
    await apiOk(vigil, 'POST', `${GROUP}/namespaces/local/updaterecords`, {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'UpdateRecord',
      metadata: { name: 'long-error', namespace: 'local' },
      spec: { type: 'update', outcome: 'failed', finishedAt: new Date().toISOString(), containerName: 'web_app', container: 'web_app', oldImage: 'nginx:1.25', newImage: 'nginx:1.26', error },
    });
    const isRecord = (request: ReceivedRequest): boolean => String(request.headers['x-vigil-delivery'] ?? '').endsWith('/record/local/long-error');
    const [toDiscord] = await discord.waitFor(1, isRecord);
    const [toTelegram] = await telegram.waitFor(1, isRecord);
    assert.ok(toDiscord && toTelegram);
    const plainBeginning = `web_app on local 1.25 → 1.26: ${error.slice(0, 300)}`;

    assert.equal(discordRejection(toDiscord), undefined, 'Discord would accept it');
    assert.equal(toDiscord.path, `/api/webhooks/42/${DISCORD_TOKEN}`);
    const embed = (JSON.parse(toDiscord.body) as { embeds: Array<{ title: string; description: string }> }).embeds[0];
    assert.ok(embed);
    assert.ok(embed.description.length <= DISCORD.description, `description of ${embed.description.length}`);
    assert.ok(embed.description.length > DISCORD.description - 100, `the room is used, not wasted: ${embed.description.length}`);
    assert.ok(unescapeDiscord(embed.description).startsWith(plainBeginning), embed.description.slice(0, 400));
    assert.ok(embed.description.includes('…'), 'an ellipsis where the text was cut');
    assert.ok(embed.description.includes('\\_') && embed.description.includes('\\`') && embed.description.includes('\\*'), 'markdown escaped');
    assert.match(embed.title, /Update failed/);

    assert.equal(telegramRejection(toTelegram), undefined, 'Telegram would accept it');
    assert.equal(toTelegram.path, `/bot${BOT_TOKEN}/sendMessage`);
    const sent = JSON.parse(toTelegram.body) as { chat_id: string; text: string; parse_mode: string };
    assert.equal(sent.chat_id, '-1001');
    assert.equal(sent.parse_mode, 'HTML');
    const parsed = parseTelegramHTML(sent.text);
    assert.ok('text' in parsed, JSON.stringify(parsed));
    assert.ok(parsed.text.length <= TELEGRAM.text, `text of ${parsed.text.length}`);
    // Vigil keeps even the escaped text within 4096 (conservative: the limit counts after parsing), and uses that room.
    assert.ok(sent.text.length <= TELEGRAM.text && sent.text.length > TELEGRAM.text - 200, `escaped text of ${sent.text.length}`);
    const [heading, ...rest] = parsed.text.split('\n');
    assert.match(heading ?? '', /Update failed/);
    assert.ok(rest.join('\n').startsWith(plainBeginning), rest.join('\n').slice(0, 400));
    assert.ok(parsed.text.includes('…'), 'an ellipsis where the text was cut');
    assert.ok(sent.text.includes('&lt;html&gt;&lt;body&gt;') && sent.text.includes(' &amp; '), 'HTML escaped');

    for (const name of ['discord', 'telegram']) {
      const status = await eventually(`the ${name} channel counts it as sent`, async () => {
        const current = await channelStatus(vigil, name);
        return (current.sentCount ?? 0) >= 1 ? current : undefined;
      });
      assert.equal(status.failedCount ?? 0, 0, `${name}: ${status.lastError ?? ''}`);
    }
    const log = readFileSync(join(vigil.dataDir, 'vigil.log'), 'utf8');
    assert.ok(!log.includes(BOT_TOKEN) && !log.includes(DISCORD_TOKEN), 'no token in the server log');
  });
});
