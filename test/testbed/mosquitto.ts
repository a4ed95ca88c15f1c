// A real MQTT broker for tests: mosquitto on a free 127.0.0.1 port with anonymous access, config and log in a private
// temp folder. Ready when a TCP connection to the port succeeds. Optionally with users (a password file made by
// mosquitto_passwd; anonymous access off) and TLS (a server certificate of the test CA; the URL is then mqtts://).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';
import type { TestCertificates } from './tls.ts';

export interface MosquittoOptions {
  /** User name → password; when given, only these users may connect. */
  users?: Readonly<Record<string, string>>;
  /** Listen with TLS, with the test CA's server certificate for 127.0.0.1. */
  tls?: TestCertificates;
}

export interface MosquittoBroker {
  port: number;
  /** mqtt://127.0.0.1:PORT (mqtts:// with TLS) */
  url: string;
  stop(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const dir = makeTempDir('mosquitto');
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'persistence false', 'log_dest stdout'];
  // Started as root, mosquitto would drop to its own user, which cannot read the password file and keys in the
  // private temp folder; as any other user it keeps running as that user.
  if (process.getuid?.() === 0) lines.push('user root');
  const users = Object.entries(options.users ?? {});
  if (users.length === 0) lines.push('allow_anonymous true');
  else {
    const passwords = join(dir, 'passwords');
    for (const [index, [user, password]] of users.entries()) {
      execFileSync('/usr/bin/mosquitto_passwd', [...(index === 0 ? ['-c'] : []), '-b', passwords, user, password], { stdio: 'ignore', timeout: 30_000 });
    }
    lines.push('allow_anonymous false', `password_file ${passwords}`);
  }
  if (options.tls !== undefined) lines.push(`cafile ${options.tls.files.ca}`, `certfile ${options.tls.files.serverCert}`, `keyfile ${options.tls.files.serverKey}`);
  writeFileSync(config, `${lines.join('\n')}\n`);
  const daemon = new Daemon({
    name: 'mosquitto',
    command: '/usr/sbin/mosquitto',
    args: ['-c', config],
    logFile: join(dir, 'mosquitto.log'),
    ready: () => accepts(port),
  });
  await daemon.start();
  return {
    port,
    url: `${options.tls === undefined ? 'mqtt' : 'mqtts'}://127.0.0.1:${port}`,
    stop: async () => {
      await daemon.stop();
      removeTempDir(dir);
    },
  };
}
