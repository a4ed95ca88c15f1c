// How big an available update is, from the current and the target version (semver-ish, a leading v allowed): a
// change of major, minor or patch, or the same tag with a new digest.
export type Severity = 'major' | 'minor' | 'patch' | 'digest' | 'other';

function parts(version: string): number[] | undefined {
  const found = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (found === null) return undefined;
  return [Number(found[1] ?? 0), Number(found[2] ?? 0), Number(found[3] ?? 0)];
}

export function severityOf(current: string | undefined, target: string | undefined): Severity {
  if (target === undefined || target === '' || target === current) return 'digest';
  const from = current === undefined ? undefined : parts(current);
  const to = parts(target);
  if (from === undefined || to === undefined) return 'other';
  if (from[0] !== to[0]) return 'major';
  if (from[1] !== to[1]) return 'minor';
  if (from[2] !== to[2]) return 'patch';
  return 'digest';
}
