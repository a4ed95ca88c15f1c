// Starts and stops the real daemons the tests use (dockerd, etcd, docker-registry), each in a private folder of
// the test run, logging to a file there. Every daemon is killed when the test process exits, however it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadlines } from './deadlines.ts';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A fresh folder under /tmp with a short path (unix socket paths must stay under 108 characters). */
export function makeTempDir(label: string): string {
  return mkdtempSync(`/tmp/vigil-${label}-`);
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

export interface DaemonOptions {
  /** A name for messages. */
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves when the daemon answers; polled until `readyTimeoutMs`. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export class Daemon {
  readonly options: DaemonOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(options: DaemonOptions) {
    this.options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    const { name, command, args, logFile, env } = this.options;
    const log = openSync(logFile, 'a');
    const child = spawn(command, args, { stdio: ['ignore', log, log], env: env ?? process.env, detached: false });
    closeSync(log);
    this.#child = child;
    running.add(child);
    let exitCode: number | null | undefined;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        exitCode = code;
        running.delete(child);
        resolve();
      });
      child.once('error', () => {
        exitCode = -1;
        running.delete(child);
        resolve();
      });
    });
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? deadlines.daemonReady);
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`${name} exited with code ${exitCode} while starting; log ${logFile}:\n${tail(logFile)}`);
      }
      if (await this.options.ready().catch(() => false)) return;
      await sleep(100);
    }
    await this.stop();
    throw new Error(`${name} did not become ready in time; log ${logFile}:\n${tail(logFile)}`);
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(graceMs = deadlines.stopGrace): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(killer);
  }

  /** Kills without a chance to clean up, as a crash or power cut would. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.#exited;
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
