// The backup tag Sentinel gives the old image before an update: REPO:sentinel-backup-YYYYMMDD-HHMMSS (UTC), kept
// for compatibility with tooling that looks for it.

/** The repository part of an image reference: without tag and digest (`host:5000/team/app:1` → `host:5000/team/app`). */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

export function backupTagAt(now: number): string {
  const iso = new Date(now).toISOString(); // 2025-01-15T14:30:05.123Z
  return `sentinel-backup-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}
