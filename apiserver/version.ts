// What /version answers. kubectl and its front-ends read major/minor (some choose a client binary by minor), so
// Vigil reports the Kubernetes API level it is compatible with, and its own version beside it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackageJson {
  version: string;
}

function readPackageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof (parsed as PackageJson).version === 'string') {
    return (parsed as PackageJson).version;
  }
  throw new Error('package.json has no version');
}

export const vigilVersion = readPackageVersion();

/** The Kubernetes API level the resource API follows. */
const KUBERNETES_MAJOR = '1';
const KUBERNETES_MINOR = '30';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
  vigilVersion: string;
  nodeVersion: string;
}

export function versionInfo(): VersionInfo {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    gitVersion: `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0-vigil.${vigilVersion}`,
    gitCommit: process.env.VIGIL_GIT_COMMIT ?? '',
    gitTreeState: process.env.VIGIL_GIT_COMMIT === undefined ? '' : 'clean',
    buildDate: '',
    goVersion: '',
    compiler: 'node',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    vigilVersion,
    nodeVersion: process.version,
  };
}
