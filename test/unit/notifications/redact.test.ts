import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRedactor, redactShapes } from '../../../controllers/notifications/channels/redact.ts';

describe('redaction', () => {
  it('removes a Telegram bot token from an undici/fetch error quoting the URL', () => {
    const token = '123456789:AAH-secretBotToken_xyz';
    const text = `request failed: fetch failed: connect ECONNREFUSED for https://api.telegram.org/bot${token}/sendMessage`;
    const out = createRedactor({ bot_token: token })(text);
    assert.equal(out, 'request failed: fetch failed: connect ECONNREFUSED for https://api.telegram.org/bot***/sendMessage');
    // Also by shape alone, when the channel's secrets are not known.
    assert.ok(!redactShapes(text).includes('secretBotToken'));
  });

  it('removes Discord and Slack webhook tokens by shape and by value', () => {
    assert.equal(redactShapes('POST https://discord.com/api/webhooks/123/abc.DEF-tok failed'), 'POST https://discord.com/api/webhooks/123/*** failed');
    assert.equal(redactShapes('https://hooks.slack.com/services/T000/B000/XXXXyyyy'), 'https://hooks.slack.com/services/***');
    const url = 'https://relay.example/hooks/verysecretpathpart';
    assert.ok(!createRedactor({ webhook_url: url })('error at /hooks/verysecretpathpart').includes('verysecretpathpart'));
  });

  it('masks Authorization headers of every scheme and credentials in URLs', () => {
    assert.equal(redactShapes('Authorization: Basic dXNlcjpwYXNz'), 'Authorization: ***');
    assert.equal(redactShapes('{"authorization":"Token abc"}'), '{"authorization":"***"}');
    assert.equal(redactShapes('X-Gotify-Key: AbCdEf123'), 'X-Gotify-Key: ***');
    assert.equal(redactShapes('smtp://user:hunter2@mail.example:587'), 'smtp://***@mail.example:587');
  });

  it('removes secret values, URL-encoded and base64 forms, and values of a JSON headers secret', () => {
    const redact = createRedactor({ user_key: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG', password: 'p@ss word!', headers: '{"X-Api":"hdr-secret-1"}' });
    assert.equal(redact('user uQiRzpo4DXghDmr9QzzfQu27cmVRsG rejected'), 'user *** rejected');
    assert.equal(redact(`pw=${encodeURIComponent('p@ss word!')}`), 'pw=***');
    assert.equal(redact(Buffer.from('p@ss word!').toString('base64')), '***');
    assert.equal(redact('sent hdr-secret-1'), 'sent ***');
  });

  it('leaves ordinary text alone and ignores secrets too short to search for', () => {
    assert.equal(createRedactor({ token: 'ab' })('about a cab'), 'about a cab');
  });
});
