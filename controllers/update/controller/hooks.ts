// The hooks an update runs, fixed when it starts: Hook resources selecting the container (selector over its Docker
// labels, containerNames globs, hosts; by name for a stable order) and the `sentinel.hook.*` labels (a shell command,
// run with `sh -c`, which Sentinel parses but never runs). Only where the effective hooksEnabled is true. Hook labels
// that Vigil itself wrote from the Hook resources (Settings.hooksWriteLabels, hook-labels.ts) are not run again.
import type { Container, Hook } from '../../../schemas/generated/types.ts';
import { nameMatches, selectorMatches } from '../../../domain/inventory/policy-match.ts';
import type { HookCommand } from '../machine/operation.ts';
import { HOOK_LABELS as LABELS, hookLabelsWrittenByVigil } from './hook-labels.ts';

const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_SKIP_EXIT_CODE = 75;

export interface ContainerHooks {
  preHooks: HookCommand[];
  postHooks: HookCommand[];
}

function labelTimeout(labels: Readonly<Record<string, string>>): number {
  const seconds = Number(labels[LABELS.timeout]);
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 3600 ? seconds : DEFAULT_TIMEOUT_SECONDS;
}

/** The Hook resources selecting the container, in run order (by name), whether hooks are enabled or not. */
export function selectedHooks(container: Container, hooks: readonly Hook[]): Hook[] {
  const status = container.status ?? {};
  const labels = status.labels ?? {};
  const name = status.name ?? container.spec?.containerName ?? '';
  const host = container.metadata.namespace ?? '';
  return hooks
    .filter((hook) => hook.metadata.deletionTimestamp === undefined)
    .filter((hook) => selectorMatches(hook.spec.selector, labels) && nameMatches(hook.spec.containerNames, name) && ((hook.spec.hosts ?? []).length === 0 || (hook.spec.hosts ?? []).includes(host)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}

export function resolveHooks(container: Container, hooks: readonly Hook[]): ContainerHooks {
  const status = container.status ?? {};
  if (status.effective?.hooksEnabled?.value !== true) return { preHooks: [], postHooks: [] };
  const labels = status.labels ?? {};
  const result: ContainerHooks = { preHooks: [], postHooks: [] };
  const labelsAreCopies = hookLabelsWrittenByVigil(labels);
  for (const [phase, label] of [['pre', LABELS.pre], ['post', LABELS.post]] as const) {
    const command = labels[label]?.trim();
    if (labelsAreCopies || command === undefined || command === '') continue;
    const hook: HookCommand = { command: ['sh', '-c', command], timeoutSeconds: labelTimeout(labels), skipExitCode: DEFAULT_SKIP_EXIT_CODE, source: 'label' };
    (phase === 'pre' ? result.preHooks : result.postHooks).push(hook);
  }
  for (const hook of selectedHooks(container, hooks)) {
    const command: HookCommand = {
      command: [...hook.spec.command],
      timeoutSeconds: hook.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      skipExitCode: hook.spec.skipExitCode ?? DEFAULT_SKIP_EXIT_CODE,
      source: `hook/${hook.metadata.name ?? ''}`,
    };
    (hook.spec.phase === 'pre-update' ? result.preHooks : result.postHooks).push(command);
  }
  return result;
}
