import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseShoutrrrURL, ShoutrrrURLError } from '../../../domain/notifications/shoutrrr.ts';

// The forms of containrrr.dev/shoutrrr/services/* (and the reference's list).
const VALID: Array<[string, ReturnType<typeof parseShoutrrrURL>]> = [
  ['discord://tokenABC@123456789', { spec: { type: 'discord' }, secrets: { webhook_url: 'https://discord.com/api/webhooks/123456789/tokenABC' } }],
  [
    'telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@mychannel',
    { spec: { type: 'telegram', settings: { telegram: { chatID: '@mychannel' } } }, secrets: { bot_token: '110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw' } },
  ],
  ['gotify://gotify.example.com:8443/sub/path/AzyoeNS.D4iJLVa?priority=8', { spec: { type: 'gotify', settings: { gotify: { url: 'https://gotify.example.com:8443/sub/path', priority: 8 } } }, secrets: { token: 'AzyoeNS.D4iJLVa' } }],
  ['gotify://gotify.lan/Tok?disabletls=yes', { spec: { type: 'gotify', settings: { gotify: { url: 'http://gotify.lan' } } }, secrets: { token: 'Tok' } }],
  ['ntfy://user:pa%24s@ntfy.example/alerts?priority=high', { spec: { type: 'ntfy', settings: { ntfy: { server: 'https://ntfy.example', topic: 'alerts', priority: 4, username: 'user' } } }, secrets: { password: 'pa$s' } }],
  ['ntfy://ntfy.lan:8080/vigil?scheme=http', { spec: { type: 'ntfy', settings: { ntfy: { server: 'http://ntfy.lan:8080', topic: 'vigil' } } }, secrets: {} }],
  ['slack://hook:WNA3PBYV6-F20DUQND3RQ-Webc4MAvoacrpPakR8phF0zi@webhook', { spec: { type: 'slack' }, secrets: { webhook_url: 'https://hooks.slack.com/services/WNA3PBYV6/F20DUQND3RQ/Webc4MAvoacrpPakR8phF0zi' } }],
  ['slack://T0AAA/B0BBB/cccCCC', { spec: { type: 'slack' }, secrets: { webhook_url: 'https://hooks.slack.com/services/T0AAA/B0BBB/cccCCC' } }],
  ['pushover://shoutrrr:azGDORePK8gMaC0QOYAMyEEuzJnyUi@uQiRzpo4DXghDmr9QzzfQu27cmVRsG/?priority=1', { spec: { type: 'pushover', settings: { pushover: { priority: 1 } } }, secrets: { app_token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', user_key: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' } }],
  [
    'smtp://alice:s3cret@mail.example:587/?from=vigil@example.com&to=a@example.com,b@example.com',
    { spec: { type: 'smtp', settings: { smtp: { host: 'mail.example', port: 587, from: 'vigil@example.com', to: ['a@example.com', 'b@example.com'], tls: 'starttls', username: 'alice' } } }, secrets: { password: 's3cret' } },
  ],
  ['smtp://mail.example:465/?fromaddress=v@x.org&toaddresses=o@x.org', { spec: { type: 'smtp', settings: { smtp: { host: 'mail.example', port: 465, from: 'v@x.org', to: ['o@x.org'], tls: 'tls' } } }, secrets: {} }],
  ['smtp://mail.lan:25/?from=v@x.org&to=o@x.org&encryption=None', { spec: { type: 'smtp', settings: { smtp: { host: 'mail.lan', port: 25, from: 'v@x.org', to: ['o@x.org'], tls: 'none' } } }, secrets: {} }],
  ['generic+https://hooks.example.com/in/abc?key=1', { spec: { type: 'webhook', settings: { webhook: { url: 'https://hooks.example.com/in/abc?key=1' } } }, secrets: {} }],
  ['generic://hooks.lan:8080/x?disabletls=yes', { spec: { type: 'webhook', settings: { webhook: { url: 'http://hooks.lan:8080/x' } } }, secrets: {} }],
];

const INVALID: Array<[string, string]> = [
  ['not a url', 'scheme'],
  ['matrix://user:pw@host', 'scheme'],
  ['discord://@123', 'token'],
  ['discord://tok@notanumber', 'webhook id'],
  ['telegram://123:abc@telegram', 'query parameter "chats"'],
  ['telegram://123:abc@telegram?chats=a,b', 'query parameter "chats"'],
  ['telegram://nottoken@telegram?chats=1', 'token'],
  ['gotify://host.example/tok?priority=11', 'query parameter "priority"'],
  ['ntfy://host.example/', 'topic'],
  ['slack://xoxb:123-456@C0123', 'token'],
  ['slack://hook:onlyone@webhook', 'token'],
  ['pushover://shoutrrr:tok@user/?devices=phone', 'query parameter "devices"'],
  ['smtp://mail.example/?to=a@b.c', 'query parameter "from"'],
  ['smtp://mail.example/?from=a@b.c&to=d@e.f&encryption=weird', 'query parameter "encryption"'],
  ['discord://tok@123?color=red', 'query parameter "color"'],
  ['generic+ftp://host/x', 'scheme'],
];

describe('parseShoutrrrURL', () => {
  for (const [url, expected] of VALID) {
    it(`reads ${url.split('://')[0]}: ${url.slice(0, 60)}`, () => {
      assert.deepEqual(parseShoutrrrURL(url), expected);
    });
  }
  for (const [url, part] of INVALID) {
    it(`refuses ${url} naming ${part}`, () => {
      assert.throws(
        () => parseShoutrrrURL(url),
        (error: unknown) => error instanceof ShoutrrrURLError && error.part === part,
      );
    });
  }
  it('never puts a secret into the error message', () => {
    try {
      parseShoutrrrURL('pushover://shoutrrr:verysecrettoken@userkey/?devices=x');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof ShoutrrrURLError);
      assert.ok(!error.message.includes('verysecrettoken'));
    }
  });
});
