// Installs the real components the tests need when they are missing (TESTBED.md): Debian packages through apt-get,
// and kubectl 1.20.2 unpacked from Debian's kubernetes-client into a folder of the project (never system-wide: the
// machine may have an unrelated kubectl). Fails loudly, never skips.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const projectRoot = resolve(import.meta.dirname, '..', '..');
export const testbedDir = join(projectRoot, '.testbed');

interface Requirement {
  /** What must exist afterwards. */
  satisfied: () => boolean;
  debianPackage: string;
}

const requirements: Requirement[] = [
  { debianPackage: 'docker.io', satisfied: () => onPath('dockerd') && existsSync('/usr/bin/docker') },
  { debianPackage: 'etcd-server', satisfied: () => onPath('etcd') },
  { debianPackage: 'etcd-client', satisfied: () => onPath('etcdctl') },
  { debianPackage: 'docker-registry', satisfied: () => onPath('docker-registry') },
  { debianPackage: 'busybox-static', satisfied: () => packageInstalled('busybox-static') },
  { debianPackage: 'openssl', satisfied: () => onPath('openssl') },
  { debianPackage: 'iptables', satisfied: () => onPath('iptables') },
  // `ip` creates each test engine's own bridge.
  { debianPackage: 'iproute2', satisfied: () => onPath('ip') },
  // The GitOps tests make real git checkouts (branches, packed refs, linked worktrees) for Vigil to read.
  { debianPackage: 'git', satisfied: () => onPath('git') },
  // Compose sync is tested with the compose v1 CLI (1.29) against the test engine.
  { debianPackage: 'docker-compose', satisfied: () => onPath('docker-compose') },
  // The MQTT channel and Home Assistant discovery are tested against a real broker.
  { debianPackage: 'mosquitto', satisfied: () => existsSync('/usr/sbin/mosquitto') },
  { debianPackage: 'mosquitto-clients', satisfied: () => onPath('mosquitto_sub') },
  // The dashboard's end-to-end tests drive Debian's Chromium through playwright-core.
  { debianPackage: 'chromium', satisfied: () => existsSync('/usr/bin/chromium') },
];

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function packageInstalled(name: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

function aptGet(args: string[]): void {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with status ${result.status}`);
}

let listsUpdated = false;
function aptInstall(packages: string[]): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`the tests need the Debian packages ${packages.join(', ')}; install them (as root: apt-get install -y ${packages.join(' ')})`);
  }
  try {
    if (!listsUpdated) throw new Error('package lists not yet updated');
    aptGet(['install', '-y', '-q', '--no-install-recommends', ...packages]);
  } catch {
    aptGet(['update', '-q']);
    listsUpdated = true;
    aptGet(['install', '-y', '-q', '--no-install-recommends', ...packages]);
  }
}

/** The project's own kubectl 1.20.2, unpacked from Debian's kubernetes-client package. */
export const kubectlPath = join(testbedDir, 'kubectl', 'usr', 'bin', 'kubectl');

function ensureKubectl(): void {
  if (existsSync(kubectlPath)) return;
  const downloads = join(testbedDir, 'downloads');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  const download = (): void => {
    const result = spawnSync('apt-get', ['download', 'kubernetes-client'], { cwd: downloads, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) throw new Error('apt-get download kubernetes-client failed');
  };
  try {
    download();
  } catch {
    aptGet(['update', '-q']);
    listsUpdated = true;
    download();
  }
  const deb = readdirSync(downloads).find((file) => file.startsWith('kubernetes-client') && file.endsWith('.deb'));
  if (deb === undefined) throw new Error('apt-get download kubernetes-client produced no .deb file');
  execFileSync('dpkg', ['-x', join(downloads, deb), join(testbedDir, 'kubectl')]);
  if (!existsSync(kubectlPath)) throw new Error(`kubectl not found at ${kubectlPath} after unpacking ${deb}`);
}

/** Makes sure every real component is installed; throws with a message naming what is missing otherwise. */
export function provisionTestbed(): void {
  mkdirSync(testbedDir, { recursive: true });
  const missing = requirements.filter((requirement) => !requirement.satisfied()).map((requirement) => requirement.debianPackage);
  if (missing.length > 0) {
    console.error(`testbed: installing Debian packages ${missing.join(' ')}`);
    aptInstall(missing);
    const still = requirements.filter((requirement) => !requirement.satisfied()).map((requirement) => requirement.debianPackage);
    if (still.length > 0) throw new Error(`testbed: still missing after apt-get install: ${still.join(', ')}`);
  }
  ensureKubectl();
}
