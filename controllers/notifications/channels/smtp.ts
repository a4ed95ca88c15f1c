// SMTP through nodemailer: tls "tls" = implicit TLS (port 465 style), "starttls" (default) = STARTTLS required
// (requireTLS: a server that does not offer it fails the send instead of getting the password in clear), "none" = plain.
// nodemailer sets the Date and Message-ID headers. One transport per channel (a connection per message: notifications
// are rare, and an idle pooled connection would only be dropped by the server), closed by close().
import nodemailer from 'nodemailer';
import type { ChannelSender, ResolvedChannel, SendResult } from './sender.ts';
import { requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';
import { trimEnd } from './text.ts';

const SMTP_TIMEOUT_MS = 30_000;
/** RFC 5322 recommends header lines under 78 characters; a subject is folded, but an endless one helps nobody. */
const SUBJECT_MAX = 200;

function classify(error: unknown, redact: (t: string) => string): SendResult {
  const text = redact(error instanceof Error ? error.message : String(error));
  const code = typeof error === 'object' && error !== null && 'responseCode' in error ? Number(error.responseCode) : undefined;
  // 5xx SMTP replies (bad login, unknown recipient) are final; 4xx replies and connection errors are worth retrying.
  if (code !== undefined && code >= 500) return { outcome: 'failed', error: `SMTP ${code}: ${text}` };
  // A refused login, or a server that does not offer the required STARTTLS: the same answer every time.
  if (typeof error === 'object' && error !== null && 'code' in error && (error.code === 'EAUTH' || error.code === 'ETLS')) {
    return { outcome: 'failed', error: text };
  }
  // Nobody answered (refused, no route, no such host): the mail never left, so it waits for the server to be back.
  const raw = error instanceof Error ? error.message : String(error);
  if (typeof error === 'object' && error !== null && 'code' in error && (error.code === 'EDNS' || (error.code === 'ESOCKET' && /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(raw)))) {
    return { outcome: 'retry', error: text, unreachable: true };
  }
  return { outcome: 'retry', error: text };
}

export function createSMTPSender(channel: ResolvedChannel): ChannelSender {
  const settings = requireSettings(channel, 'smtp');
  const mode = settings.tls ?? 'starttls';
  const redact = createRedactor(channel.secrets);
  const password = channel.secrets.password;
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: mode === 'tls',
    requireTLS: mode === 'starttls',
    ignoreTLS: mode === 'none',
    auth: settings.username ? { user: settings.username, pass: password ?? '' } : undefined,
    tls: settings.caCert ? { ca: settings.caCert } : undefined,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    logger: false,
  });
  return {
    async send(message, signal) {
      if (signal.aborted) return { outcome: 'retry', error: 'cancelled' };
      const sending = transport.sendMail({
        from: settings.from,
        to: settings.to,
        subject: trimEnd(`${message.emoji} ${message.title}`.trim(), SUBJECT_MAX),
        text: message.body,
        headers: { 'X-Vigil-Delivery': message.deliveryId },
      });
      const aborted = new Promise<SendResult>((resolve) => {
        signal.addEventListener('abort', () => resolve({ outcome: 'retry', error: 'cancelled' }), { once: true });
      });
      try {
        return await Promise.race([sending.then((): SendResult => ({ outcome: 'delivered' })), aborted]);
      } catch (error) {
        return classify(error, redact);
      }
    },
    async close() {
      transport.close();
    },
  };
}
