// Real Docker engines for the tests (TESTBED.md): each engine runs in its own folder with its own bridge and address
// pool, so that several engines ("hosts") can run side by side, also across test files running in parallel.
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';
import { makeTestCertificates } from './tls.ts';
import { deadlines, testHealthCheck } from './deadlines.ts';

const execFileAsync = promisify(execFile);

/** Debian's docker CLI matches the engine; the machine may also have an unrelated newer client first on the PATH. */
const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export interface DockerEngine {
  /** unix:///…/docker.sock: what DOCKER_HOST, dockerode and a Host resource take. */
  readonly host: string;
  readonly socketPath: string;
  readonly dir: string;
  /** The bridge this engine's default network uses, and the 10.N.0.0/16 range its networks come from. */
  readonly bridge: string;
  readonly subnetIndex: number;
  /** With `tcp` in the options: the engine's TCP endpoint on 127.0.0.1, and with TLS the client's PEM material. */
  readonly tcp?: { url: string; tls?: { ca: string; cert: string; key: string } };
  /** Runs the docker CLI against this engine; rejects with its stderr on failure. */
  docker(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** `docker inspect` of one object, parsed. */
  inspect(reference: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  /** Kills the daemon with SIGKILL (its containers keep running under containerd-shim until it returns). */
  kill(): Promise<void>;
  /** Starts the daemon again with the same folder, socket and bridge. */
  restart(): Promise<void>;
  /** Stops the daemon and removes its folder and bridge. */
  cleanup(): Promise<void>;
}

export interface StartEngineOptions {
  /** A short label for folder and log names. */
  name?: string;
  /**
   * Also listen on a TCP port of 127.0.0.1: 'tls' with --tlsverify (a private CA, server and client certificates,
   * see tls.ts), 'plain' without TLS. The unix socket stays the one the helpers use.
   */
  tcp?: 'plain' | 'tls';
}

/** Takes a free 10.N.0.0/16 range and a bridge named after it; `ip link add` failing means another engine has it. */
function claimBridge(): { bridge: string; index: number } {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const index = 100 + Math.floor(Math.random() * 150);
    const bridge = `vigilbr${index}`;
    const created = spawnSync('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'], { stdio: 'ignore' });
    if (created.status !== 0) continue;
    const address = spawnSync('ip', ['addr', 'add', `10.${index}.0.1/24`, 'dev', bridge], { encoding: 'utf8' });
    const up = spawnSync('ip', ['link', 'set', bridge, 'up'], { encoding: 'utf8' });
    if (address.status !== 0 || up.status !== 0) {
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      throw new Error(`cannot configure bridge ${bridge}: ${address.stderr}${up.stderr}`);
    }
    return { bridge, index };
  }
  throw new Error('no free 10.N.0.0/16 range for a test Docker engine (50 attempts)');
}

export async function startDockerEngine(options: StartEngineOptions = {}): Promise<DockerEngine> {
  const label = options.name ?? 'docker';
  const dir = makeTempDir(label);
  const socketPath = join(dir, 'docker.sock');
  const host = `unix://${socketPath}`;
  const { bridge, index } = claimBridge();
  const tcp = options.tcp === undefined ? undefined : await tcpListener(dir, options.tcp);

  const docker = async (args: string[], runOptions: { input?: string; timeoutMs?: number } = {}): Promise<string> => {
    const child = execFileAsync(DOCKER_CLI, ['-H', host, ...args], {
      timeout: runOptions.timeoutMs ?? deadlines.dockerCommand,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' },
    });
    if (runOptions.input !== undefined) {
      child.child.stdin?.end(runOptions.input);
    }
    try {
      const { stdout } = await child;
      return stdout;
    } catch (error) {
      const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : '';
      throw new Error(`docker ${args.join(' ')} failed: ${stderr || String(error)}`, { cause: error });
    }
  };

  const daemon = new Daemon({
    name: `dockerd (${label})`,
    command: 'dockerd',
    args: [
      '--host', host,
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'),
      '--bridge', bridge,
      '--default-address-pool', `base=10.${index}.128.0/17,size=24`,
      '--iptables=false',
      '--ip-masq=false',
      // Each engine gets its own containerd: a shared one would mix the engines' containers.
      '--containerd-namespace', `vigil${index}`,
      '--containerd-plugins-namespace', `vigil${index}p`,
      ...(tcp?.args ?? []),
    ],
    logFile: join(dir, 'dockerd.log'),
    readyTimeoutMs: deadlines.daemonReady,
    ready: async () => {
      if (!existsSync(socketPath)) return false;
      await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: deadlines.request });
      return true;
    },
  });
  await daemon.start();

  return {
    host,
    socketPath,
    dir,
    bridge,
    subnetIndex: index,
    ...(tcp === undefined ? {} : { tcp: tcp.endpoint }),
    docker,
    inspect: async (reference) => {
      const parsed: unknown = JSON.parse(await docker(['inspect', reference]));
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || parsed[0] === null) throw new Error(`docker inspect ${reference}: unexpected output`);
      return parsed[0] as Record<string, unknown>;
    },
    stop: () => daemon.stop(deadlines.stopGrace),
    kill: () => daemon.kill(),
    restart: async () => {
      await daemon.stop(deadlines.stopGrace);
      await daemon.start();
    },
    cleanup: async () => {
      // Containers first, so that no shim outlives the test.
      await docker(['ps', '-aq'])
        .then(async (ids) => {
          const list = ids.split('\n').filter((id) => id !== '');
          if (list.length > 0) await docker(['rm', '-f', '-v', ...list], { timeoutMs: deadlines.dockerCommand });
        })
        .catch(() => undefined);
      await docker(['swarm', 'leave', '--force'], { timeoutMs: deadlines.dockerCommand }).catch(() => undefined);
      await daemon.stop(deadlines.stopGrace);
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      unmountUnder(dir);
      removeTempDir(dir);
    },
  };
}

async function tcpListener(dir: string, mode: 'plain' | 'tls'): Promise<{ args: string[]; endpoint: NonNullable<DockerEngine['tcp']> }> {
  const url = `tcp://127.0.0.1:${await freePort()}`;
  if (mode === 'plain') return { args: ['--host', url], endpoint: { url } };
  const certificates = makeTestCertificates(dir, 'engine');
  const { files } = certificates;
  return {
    args: ['--host', url, '--tlsverify', '--tlscacert', files.ca, '--tlscert', files.serverCert, '--tlskey', files.serverKey],
    endpoint: { url, tls: { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey } },
  };
}

/**
 * dockerd can leave mounts in its folders after it stops (the nsfs mount of `exec/netns/default` once a container ran
 * with `--network host`); they must go before the folder can be removed. Deepest first, lazily.
 */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .map((field) => field.replace(/\\040/g, ' '))
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const mountPoint of mounts) spawnSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
}

/** Turns the engine into a single-node Swarm manager on free loopback ports. */
export async function initSwarm(engine: DockerEngine): Promise<void> {
  const port = await freePort();
  const dataPathPort = await freePort();
  await engine.docker([
    'swarm', 'init',
    '--advertise-addr', `127.0.0.1:${port}`,
    '--listen-addr', `127.0.0.1:${port}`,
    '--data-path-port', String(dataPathPort),
    '--default-addr-pool', `10.${engine.subnetIndex}.64.0/18`,
  ], { timeoutMs: deadlines.dockerCommand });
}

export interface TestImageOptions {
  /** The image reference to tag, e.g. `localhost:5000/team/app:1.2.3` or `vigil-test/app:1`. */
  tag: string;
  /** Makes the image's content (and so its ID and digest) distinct; also set as org.opencontainers.image.version. */
  version: string;
  /** `ok` (default): a health check that passes; `fail`: one that always fails; `none`: no health check. */
  health?: 'ok' | 'fail' | 'none';
  /** CMD as an exec array; default busybox httpd in the foreground on port 80. */
  cmd?: string[];
  env?: Record<string, string>;
  labels?: Record<string, string>;
  workdir?: string;
  user?: string;
  entrypoint?: string[];
  exposedPorts?: string[];
  stopSignal?: string;
  volumes?: string[];
}

/**
 * Builds a tiny image from the static busybox (`FROM scratch`, TESTBED.md) on `engine`. Every option ends up in the
 * image config, so tests can tell the image's defaults from what a container set explicitly.
 */
export async function buildTestImage(engine: DockerEngine, options: TestImageOptions): Promise<string> {
  const context = join(engine.dir, 'build', options.tag.replace(/[^A-Za-z0-9]+/g, '-'));
  mkdirSync(context, { recursive: true });
  copyFileSync('/bin/busybox', join(context, 'busybox'));
  writeFileSync(join(context, 'version'), `${options.version}\n`);
  const health =
    options.health === 'none'
      ? 'HEALTHCHECK NONE'
      : options.health === 'fail'
        ? `HEALTHCHECK --interval=${testHealthCheck.intervalSeconds}s --timeout=${testHealthCheck.timeoutSeconds}s --retries=${testHealthCheck.unhealthyRetries} --start-period=1s CMD ["/bin/false"]`
        : `HEALTHCHECK --interval=${testHealthCheck.intervalSeconds}s --timeout=${testHealthCheck.timeoutSeconds}s --retries=${testHealthCheck.healthyRetries} CMD ["/bin/true"]`;
  const lines = [
    'FROM scratch',
    'COPY busybox /bin/busybox',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'COPY version /version',
    `LABEL org.opencontainers.image.version=${JSON.stringify(options.version)}`,
    ...Object.entries(options.labels ?? {}).map(([key, value]) => `LABEL ${JSON.stringify(key)}=${JSON.stringify(value)}`),
    ...Object.entries(options.env ?? {}).map(([key, value]) => `ENV ${key}=${JSON.stringify(value)}`),
    ...(options.workdir === undefined ? [] : [`WORKDIR ${options.workdir}`]),
    ...(options.user === undefined ? [] : [`USER ${options.user}`]),
    ...(options.exposedPorts ?? []).map((port) => `EXPOSE ${port}`),
    ...(options.volumes ?? []).map((volume) => `VOLUME ${JSON.stringify([volume])}`),
    ...(options.stopSignal === undefined ? [] : [`STOPSIGNAL ${options.stopSignal}`]),
    ...(options.entrypoint === undefined ? [] : [`ENTRYPOINT ${JSON.stringify(options.entrypoint)}`]),
    health,
    `CMD ${JSON.stringify(options.cmd ?? ['httpd', '-f', '-p', '80'])}`,
  ];
  writeFileSync(join(context, 'Dockerfile'), lines.join('\n') + '\n');
  await engine.docker(['build', '-q', '-t', options.tag, context], { timeoutMs: deadlines.dockerBuild });
  const id = (await engine.docker(['image', 'inspect', '--format', '{{.Id}}', options.tag])).trim();
  return id;
}
