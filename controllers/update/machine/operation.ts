// The persisted state of one update: exactly what Container `status.operation` holds (docs/resources.md), with the
// step-specific data under `details`. It is written before every step, so that after a crash at any point the
// machine knows what it was doing, and every step can tell from Docker whether it already happened.
import type { Operation } from '../../../schemas/generated/types.ts';
import type { LabelChanges } from '../recreate/labels.ts';

/** Forward steps, in order. */
export const FORWARD_STEPS = [
  'preHook',
  'snapshot',
  'backup',
  'pull',
  'compare',
  'stop',
  'rename',
  'create',
  'connect',
  'start',
  'grace',
  'verify',
  'postHook',
  'removeOld',
  'cleanup',
  'dependents',
] as const;

/** Steps back to the old container after a failure, in order. */
export const ROLLBACK_STEPS = ['rollbackRemoveNew', 'rollbackRename', 'rollbackTag', 'rollbackRecreate', 'rollbackConnect', 'rollbackStart', 'rollbackDependents'] as const;

export type ForwardStep = (typeof FORWARD_STEPS)[number];
export type RollbackStep = (typeof ROLLBACK_STEPS)[number];
export type Step = ForwardStep | RollbackStep | 'done';

export type Phase = 'Running' | 'Verifying' | 'RollingBack' | 'Succeeded' | 'Skipped' | 'RolledBack' | 'Failed';

/**
 * The history outcome (UpdateRecord): `skipped` for a pre-update hook that exited with its skip code, `dry_run` for
 * an auto-update recorded instead of done (the controller writes that one without running the machine).
 */
export type UpdateOutcomeOrSkip = 'success' | 'failed' | 'rollback' | 'identical' | 'pull_only' | 'skipped' | 'dry_run';

export interface HookCommand {
  command: string[];
  timeoutSeconds: number;
  /** A pre-update hook exiting with this code skips the update (Sentinel: 75). */
  skipExitCode: number;
  /** Where it came from, for the record: `label` or `hook/NAME`. */
  source?: string;
}

/** What the update was asked to do, fixed when it starts. Durations in milliseconds. */
export interface UpdateOptions {
  gracePeriodMs: number;
  /** How long after the grace period a health check may stay `starting` before the update counts as failed. */
  healthTimeoutMs: number;
  pullOnly: boolean;
  removeVolumes: boolean;
  imageCleanup: boolean;
  imageBackup: boolean;
  preHooks: HookCommand[];
  postHooks: HookCommand[];
  /**
   * Restart the running containers that declare a dependency on this one once it ended (Settings.dependencyAware).
   * Absent (an operation persisted before the option existed): true.
   */
  restartDependents?: boolean;
  /** Labels the new container gets beyond the old one's (Settings.hooksWriteLabels); absent: the old labels as they are. */
  labels?: LabelChanges;
}

export interface StepRecord {
  name: string;
  outcome: 'success' | 'failed' | 'skipped';
  startedAt: string;
  finishedAt?: string;
  message?: string;
}

/**
 * A container joined to the updated one: in its network namespace (`network_mode: container:…`, kind `network`, the
 * default) or linking to it (legacy `--link`, kind `link`). Docker binds both to the container's ID, so the dependent
 * is recreated once the container is replaced, and restarted after a rollback (same ID).
 */
export interface NamespaceDependent {
  name: string;
  id: string;
  wasRunning: boolean;
  /** Absent: network. */
  kind?: 'network' | 'link';
  /** Snapshot taken before it is recreated. */
  snapshot?: string;
  done?: boolean;
}

/** What a rollback request restores: a snapshot's configuration on its exact image ID. */
export interface RestoreTarget {
  /** The Snapshot to recreate the container from. */
  snapshot: string;
  /** The image ID the snapshot's container ran. */
  imageID: string;
  /** Config.Image at the time (shown again if it still names imageID). */
  image?: string;
  /** `REPO@DIGEST` to pull when the image is no longer on the engine. */
  pullReference?: string;
}

// A type alias, not an interface: status.operation.details is an open object, and only aliases fit its index signature.
export type UpdateDetails = {
  /** The Docker name of the container, without '/'. */
  containerName: string;
  /** The name the old container carries while the new one takes its place. */
  recoveryName: string;
  options: UpdateOptions;
  /** Only for a rollback request (operation type rollback): what it restores, instead of pulling a target. */
  restore?: RestoreTarget;
  /** Config.Image of the old container. */
  oldImage?: string;
  oldWasRunning?: boolean;
  newImageID?: string;
  newRepoDigests?: string[];
  preHooksDone?: number;
  postHooksDone?: number;
  backupTag?: string;
  backupDone?: boolean;
  /** The rollback pointed the old container's tag (oldImage) at oldImageID again. */
  oldTagRestored?: boolean;
  /** Set when the step was first attempted: from then on Docker may have done it. */
  stopIssued?: boolean;
  createIssued?: boolean;
  verifyAfter?: string;
  verifyDeadline?: string;
  cleanupDone?: boolean;
  cleanupResult?: string;
  dependents?: NamespaceDependent[];
  /** When a failed step may be tried again. */
  retryAt?: string;
  lastError?: string;
  outcome?: UpdateOutcomeOrSkip;
  /** Why the update failed or was rolled back. */
  error?: string;
  finishedAt?: string;
  steps: StepRecord[];

  // The update controller's bookkeeping (never read by the machine).
  /** registryCheck.target.digest when the update started: what auto-updates compare to not repeat an attempt. */
  checkedDigest?: string;
  /** The digest of the image the container ran before (for the record). */
  oldDigest?: string;
  requestedBy?: string;
  /** Containers restarted after it because they depend on it (sentinel.depends-on, compose depends_on). */
  dependentsRestarted?: boolean;
  /**
   * Set when the operation ended: auto-updates do not start again for this target (image and remote digest) – not
   * after a success, an identical image, a pull-only or dry-run record, nor after a rollback (a broken version is not
   * retried; a newer digest is). After a plain failure only until a registry check newer than `retryAfterCheck`.
   */
  avoid?: { image: string; digest?: string; retryAfterCheck?: string };
  /** The UpdateRecord was written (its name), and the outcome is in status.lastUpdate. */
  record?: string;
};

/** status.operation of a Container, typed for the update. */
export interface UpdateOperation extends Operation {
  /** update: to a newer image; rollback: a rollback request, back to a snapshot (details.restore). */
  type: 'update' | 'rollback';
  phase: Phase;
  step: Step;
  attempt: number;
  oldContainerID: string;
  targetImage: string;
  details: UpdateDetails;
}

export interface NewUpdateInput {
  containerName: string;
  containerID: string;
  /** The reference to pull and run, e.g. registry/repo:1.2.4. */
  targetImage: string;
  /** When set, the pulled image must carry this digest (an approval binds to what was approved). */
  targetDigest?: string;
  reason?: Operation['reason'];
  request?: string;
  options: UpdateOptions;
  /** Makes it a rollback request's operation. */
  restore?: RestoreTarget;
  now: number;
}

export const TERMINAL_PHASES: ReadonlySet<Phase> = new Set(['Succeeded', 'Skipped', 'RolledBack', 'Failed']);

export function isTerminal(operation: Pick<UpdateOperation, 'phase'>): boolean {
  return TERMINAL_PHASES.has(operation.phase);
}

/** Docker names allow [a-zA-Z0-9_.-]; the old container's short ID keeps two recoveries of one name apart. */
export function recoveryNameFor(containerName: string, containerID: string): string {
  return `${containerName}-vigil-old-${containerID.slice(0, 12)}`;
}

/** Whether a Docker name is an old container an update put aside (the inventory makes no resource of it). */
export function isRecoveryName(dockerName: string): boolean {
  return /-vigil-old-[0-9a-f]{12}$/.test(dockerName);
}

export function newUpdateOperation(input: NewUpdateInput): UpdateOperation {
  const at = new Date(input.now).toISOString();
  const operation: UpdateOperation = {
    type: input.restore === undefined ? 'update' : 'rollback',
    phase: 'Running',
    step: FORWARD_STEPS[0],
    startedAt: at,
    lastTransition: at,
    targetImage: input.targetImage,
    oldContainerID: input.containerID,
    attempt: 0,
    details: {
      containerName: input.containerName,
      recoveryName: recoveryNameFor(input.containerName, input.containerID),
      options: input.options,
      ...(input.restore === undefined ? {} : { restore: input.restore }),
      steps: [],
    },
  };
  if (input.targetDigest !== undefined) operation.targetDigest = input.targetDigest;
  if (input.reason !== undefined) operation.reason = input.reason;
  if (input.request !== undefined) operation.request = input.request;
  return operation;
}
