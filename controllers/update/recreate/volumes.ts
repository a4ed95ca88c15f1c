// Anonymous volumes across a recreate. A container's anonymous volumes (from the image's VOLUME lines or `-v /path`)
// would be replaced by fresh, empty ones in the new container, and the data left behind in an orphaned volume. Like
// docker compose, the new container mounts the old anonymous volume again at the same path, as long as the path is
// still a volume in the new container (declared by the new image or set by the user). With `removeVolumes` they are
// not carried over: the new container gets fresh ones and the old ones go with the old container.
import { isObject } from '../../../schemas/json.ts';
import type { ContainerInspect } from '../docker/types.ts';

const ANONYMOUS_VOLUME_NAME = /^[0-9a-f]{64}$/;

export interface VolumeMount {
  Type: 'volume';
  Source: string;
  Target: string;
}

/** Container paths that HostConfig.Binds or HostConfig.Mounts already mount (a bind, a named volume, a tmpfs …). */
function explicitTargets(hostConfig: Record<string, unknown>): Set<string> {
  const targets = new Set<string>();
  for (const bind of Array.isArray(hostConfig.Binds) ? hostConfig.Binds : []) {
    if (typeof bind !== 'string') continue;
    const target = bind.split(':')[1];
    if (target !== undefined) targets.add(target);
  }
  for (const mount of Array.isArray(hostConfig.Mounts) ? hostConfig.Mounts : []) {
    if (isObject(mount) && typeof mount.Target === 'string') targets.add(mount.Target);
  }
  if (isObject(hostConfig.Tmpfs)) for (const target of Object.keys(hostConfig.Tmpfs)) targets.add(target);
  return targets;
}

/**
 * The anonymous volumes of `container` to mount again in the new container. `newVolumePaths` are the paths that are
 * volumes in the new container (new image's VOLUME lines and the user's own). Containers with VolumesFrom are left to
 * Docker: their volume paths may come from another container, which create mounts again by itself.
 */
export function carriedOverVolumes(container: ContainerInspect, newVolumePaths: ReadonlySet<string>): VolumeMount[] {
  const hostConfig = container.HostConfig;
  if (Array.isArray(hostConfig.VolumesFrom) && hostConfig.VolumesFrom.length > 0) return [];
  const declared = new Set(Object.keys(container.Config.Volumes ?? {}));
  const explicit = explicitTargets(hostConfig);
  const mounts: VolumeMount[] = [];
  for (const mount of container.Mounts ?? []) {
    const { Type, Name, Destination } = mount;
    if (Type !== 'volume' || Name === undefined || Destination === undefined) continue;
    if (!ANONYMOUS_VOLUME_NAME.test(Name) || !declared.has(Destination) || explicit.has(Destination)) continue;
    if (!newVolumePaths.has(Destination)) continue;
    mounts.push({ Type: 'volume', Source: Name, Target: Destination });
  }
  return mounts.sort((a, b) => a.Target.localeCompare(b.Target));
}
