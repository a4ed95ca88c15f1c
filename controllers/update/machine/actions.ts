// What the update machine asks to be done next, and what doing it produced. Each action is one Docker call (or a
// short fixed sequence of them) that is safe to repeat: after a crash the machine may ask for it again.
import type { EndpointSettings } from '../docker/types.ts';
import type { ImageRemoval } from '../docker/update-docker.ts';
import type { LabelChanges } from '../recreate/labels.ts';
import type { ImageTag } from './restored-tag.ts';

export type Action =
  | { kind: 'done' }
  /** Nothing to do until `until` (grace period, health polling, retry backoff). */
  | { kind: 'wait'; until: number; reason: string }
  | { kind: 'exec'; hook: 'pre' | 'post'; index: number; containerID: string; command: string[]; timeoutMs: number }
  /** Inspect the container, store the inspect as a snapshot, and list its network-namespace dependents. */
  | { kind: 'snapshot'; containerID: string }
  /** Tag `imageID`: the backup tag before an update, or in a rollback the old container's tag back on the old image. */
  | { kind: 'tag'; purpose: 'backup' | 'rollback'; imageID: string; repository: string; tag: string }
  | { kind: 'pull'; reference: string }
  /**
   * Make sure image `imageID` is on the engine, pulling `pullReference` (REPO@DIGEST) if it is not, and tagged `tag`
   * once it is (a rollback request shows the snapshot's tag again, not the digest it pulled).
   */
  | { kind: 'ensureImage'; imageID: string; pullReference?: string; tag?: ImageTag }
  | { kind: 'stop'; containerID: string }
  | { kind: 'rename'; containerID: string; name: string }
  /**
   * Create `name` from a snapshot: Config.Image `image`, image defaults of `imageID` (both absent: the snapshot's own
   * image). With `preferReferences`, the first of them that still names `imageID` is used instead of the ID (a
   * rollback shows the tag, not an ID, unless the tag has moved on).
   */
  | {
      kind: 'create';
      purpose: 'new' | 'restore' | 'dependent';
      snapshot: string;
      name: string;
      image?: string;
      imageID?: string;
      preferReferences?: string[];
      removeVolumes: boolean;
      networkMode?: string;
      /** Labels set on and removed from the snapshot's (the update's options.labels). */
      labels?: LabelChanges;
      /** Links to container `from` (a recovery name the old container had) point to `to` in the new container. */
      renameLinks?: { from: string; to: string };
    }
  | { kind: 'connect'; containerID: string; network: string; endpoint: EndpointSettings }
  | { kind: 'disconnect'; containerID: string; network: string }
  | { kind: 'start'; containerID: string; dependent?: string }
  | { kind: 'restart'; containerID: string; dependent: string }
  | { kind: 'remove'; containerID: string; removeVolumes: boolean }
  | { kind: 'removeImage'; imageID: string }
  | { kind: 'snapshotDependent'; dependent: string };

export type ActionKind = Action['kind'];

/** What an action produced; `error` when it failed (the message, for status and history). */
export interface ActionResult {
  error?: string;
  exitCode?: number;
  timedOut?: boolean;
  output?: string;
  /** snapshot, snapshotDependent: the stored snapshot's name. */
  snapshot?: string;
  /** snapshot: facts of the snapshotted container. */
  imageID?: string;
  image?: string;
  running?: boolean;
  dependents?: Array<{ id: string; name: string; running: boolean; kind: 'network' | 'link' }>;
  /** pull */
  repoDigests?: string[];
  /** create */
  containerID?: string;
  removal?: ImageRemoval;
}
