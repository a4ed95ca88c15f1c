// The SMTP channel against a real SMTP server (smtp-server) on 127.0.0.1 with a private CA: STARTTLS required and
// implicit TLS, login, and the message as a mail parser reads it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { createSender } from '../../../controllers/notifications/channels/index.ts';
import type { OutgoingMessage, ResolvedChannel } from '../../../controllers/notifications/channels/sender.ts';
import { makeTestCertificates, type TestCertificates } from '../../testbed/tls.ts';

interface MailServer {
  port: number;
  mails: ParsedMail[];
  logins: string[];
  close(): Promise<void>;
}

async function startMailServer(certs: TestCertificates, secure: boolean, withoutSTARTTLS = false): Promise<MailServer> {
  const mails: ParsedMail[] = [];
  const logins: string[] = [];
  const server = new SMTPServer({
    secure,
    // Normally a login without TLS is refused, which proves STARTTLS came first. The STARTTLS-less server refuses the
    // command outright (hiding it only from EHLO is not enough: nodemailer tries it anyway) and would take a clear login.
    ...(withoutSTARTTLS ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true } : { allowInsecureAuth: false }),
    key: certs.serverKey,
    cert: certs.serverCert,
    authOptional: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'vigil' && auth.password === 'mail-secret-pw') {
        logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      } else callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('mail server has no port');
  return { port: address.port, mails, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const message: OutgoingMessage = {
  deliveryId: 'delivery-smtp-1',
  title: 'Update succeeded',
  body: 'Container: web\nImage: nginx:1.27',
  severity: 'success',
  emoji: '✅',
  payload: { type: 'update_succeeded', timestamp: '2026-12-07T01:00:00Z', containers: [{ name: 'web', host: 'local', image: 'nginx:1.27' }] },
};

function channel(port: number, tls: 'starttls' | 'tls', ca: string, password = 'mail-secret-pw'): ResolvedChannel {
  return {
    name: 'mail',
    spec: { type: 'smtp', settings: { smtp: { host: '127.0.0.1', port, from: 'vigil@example.com', to: ['ops@example.com', 'dev@example.com'], username: 'vigil', tls, caCert: ca } } },
    secrets: { password },
  };
}

let dir: string;
let certs: TestCertificates;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-smtp-'));
  certs = makeTestCertificates(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function checkMail(mail: ParsedMail | undefined): void {
  assert.ok(mail, 'the server received a mail');
  assert.equal(mail.subject, '✅ Update succeeded');
  assert.equal(mail.text?.trim(), 'Container: web\nImage: nginx:1.27');
  assert.equal(mail.from?.text, 'vigil@example.com');
  assert.deepEqual(
    (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address)),
    ['ops@example.com', 'dev@example.com'],
  );
  assert.ok(mail.date instanceof Date && Math.abs(mail.date.getTime() - Date.now()) < 10 * 60_000, 'a Date header near now');
  assert.match(mail.messageId ?? '', /^<[^@\s]+@[^>\s]+>$/);
  assert.equal(mail.headers.get('x-vigil-delivery'), 'delivery-smtp-1');
}

describe('SMTP channel against a real SMTP server', () => {
  it('delivers over required STARTTLS with login, Date and Message-ID', async () => {
    const server = await startMailServer(certs, false);
    const sender = createSender(channel(server.port, 'starttls', certs.ca));
    try {
      assert.deepEqual(await sender.send(message, new AbortController().signal), { outcome: 'delivered' });
      assert.deepEqual(server.logins, ['vigil']);
      checkMail(server.mails[0]);
    } finally {
      await sender.close();
      await server.close();
    }
  });

  it('delivers over implicit TLS', async () => {
    const server = await startMailServer(certs, true);
    const sender = createSender(channel(server.port, 'tls', certs.ca));
    try {
      assert.deepEqual(await sender.send(message, new AbortController().signal), { outcome: 'delivered' });
      checkMail(server.mails[0]);
    } finally {
      await sender.close();
      await server.close();
    }
  });

  it('STARTTLS is enforced: a server that does not offer it gets no mail and no password', async () => {
    const server = await startMailServer(certs, false, true);
    const sender = createSender(channel(server.port, 'starttls', certs.ca));
    try {
      const result = await sender.send(message, new AbortController().signal);
      assert.equal(result.outcome, 'failed', JSON.stringify(result));
      assert.deepEqual(server.logins, []);
      assert.equal(server.mails.length, 0);
    } finally {
      await sender.close();
      await server.close();
    }
  });

  it('a refused login is failed, without the password in the error', async () => {
    const server = await startMailServer(certs, false);
    const sender = createSender(channel(server.port, 'starttls', certs.ca, 'wrong-password-xyz'));
    try {
      const result = await sender.send(message, new AbortController().signal);
      assert.equal(result.outcome, 'failed');
      assert.ok(result.outcome === 'failed' && !result.error.includes('wrong-password-xyz'), JSON.stringify(result));
      assert.equal(server.mails.length, 0);
    } finally {
      await sender.close();
      await server.close();
    }
  });
  it('a mail server nobody answers for is unreachable: the mail waits for it instead of spending its retries', async () => {
    // A port that was just free: connections to it are refused.
    const closed = await startMailServer(certs, false);
    const port = closed.port;
    await closed.close();
    const sender = createSender(channel(port, 'starttls', certs.ca, 'pw-unreachable-1'));
    try {
      const result = await sender.send(message, new AbortController().signal);
      assert.equal(result.outcome, 'retry', JSON.stringify(result));
      assert.ok(result.outcome === 'retry' && result.unreachable === true, JSON.stringify(result));
    } finally {
      await sender.close();
    }
  });
});
