// Runs the project's kubectl 1.20.2 (provision.ts) against a Vigil server: always with --kubeconfig and a fresh
// --cache-dir (kubectl caches discovery for 10 minutes, which would hide what the server answers now), and with a
// private HOME so that nothing of the machine's own kubectl setup leaks in.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeTempDir } from './daemon.ts';
import { kubectlPath } from './provision.ts';
import { deadlines } from './deadlines.ts';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to standard input. */
  input?: string;
  /** Extra environment (KUBE_EDITOR...). */
  env?: NodeJS.ProcessEnv;
  /** Killed after this long. Default 60 s. */
  timeoutMs?: number;
}

/** A kubectl process that keeps running (get -w): its output so far, and a way to wait for a line. */
export interface KubectlStream {
  output(): string;
  /** Resolves with the whole output once it matches; rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code once the process ends by itself; rejects after timeoutMs. */
  exitCode(timeoutMs?: number): Promise<number | null>;
  stop(): Promise<void>;
}

export class Kubectl {
  readonly kubeconfig: string;
  readonly home: string;
  readonly #children = new Set<ChildProcess>();

  constructor(kubeconfig: string) {
    this.kubeconfig = kubeconfig;
    this.home = makeTempDir('kubectl');
  }

  #spawn(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    const cacheDir = makeTempDir('kubectl-cache');
    const child = spawn(kubectlPath, ['--kubeconfig', this.kubeconfig, '--cache-dir', cacheDir, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.home, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#children.add(child);
    child.once('exit', () => {
      this.#children.delete(child);
      removeTempDir(cacheDir);
    });
    return child;
  }

  async run(args: readonly string[], options: RunOptions = {}): Promise<KubectlResult> {
    const child = this.#spawn(args, options.env);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin?.end(options.input ?? '');
    const timeoutMs = options.timeoutMs ?? deadlines.cliRun;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    if (code === null) throw new Error(`kubectl ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
    return { code, stdout, stderr };
  }

  /** Runs and fails the test with kubectl's output unless it exits 0. */
  async ok(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result.stdout;
  }

  start(args: readonly string[]): KubectlStream {
    return streamOf(this.#spawn(args), `kubectl ${args.join(' ')}`);
  }

  async close(): Promise<void> {
    for (const child of this.#children) child.kill('SIGKILL');
    removeTempDir(this.home);
  }
}

/** Collects a long-running process's stdout and stderr and lets a test wait for what it prints. */
export function streamOf(child: ChildProcess, label: string): KubectlStream {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    output: () => output,
    waitFor: async (pattern, timeoutMs = deadlines.condition) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`${label}: ${pattern} not seen in ${timeoutMs} ms; output so far:\n${output}`);
        if (child.exitCode !== null) throw new Error(`${label} exited ${child.exitCode} before printing ${pattern}; output:\n${output}`);
        await sleep(50);
      }
      return output;
    },
    exitCode: async (timeoutMs = deadlines.condition) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${label} still running after ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
