// A real MQTT broker for tests: mosquitto on a free 127.0.0.1 port with anonymous access, config and log in a private
// temp folder. Ready when a TCP connection to the port succeeds.
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';

export interface MosquittoBroker {
  port: number;
  /** mqtt://127.0.0.1:PORT */
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

export async function startMosquitto(): Promise<MosquittoBroker> {
  const dir = makeTempDir('mosquitto');
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stdout\n`);
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
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      await daemon.stop();
      removeTempDir(dir);
    },
  };
}
