// Settings.hooksWriteLabels: the Hook resources selecting a container are written onto it as Sentinel's hook labels
// (`sentinel.hook.pre-update`, `sentinel.hook.post-update`: a shell command; `sentinel.hook.timeout`: seconds) when
// an update recreates it, so that the hooks stay with the container outside Vigil (compose exports, another
// manager). The labels Vigil wrote are marked by `vigil.dev/hook-labels`, a digest of exactly what was written:
// - while the labels still match the digest they are Vigil's copy of the Hook resources, so they are not run a second
//   time as label hooks (hooks.ts), and the next recreate rewrites them from the Hook resources as they are then
//   (a deleted Hook takes its label with it);
// - hook labels a person set (no marker, or changed since) are theirs: they are run, and never overwritten.
// With the setting off, nothing is written and labels already there are left as they are.
import { createHash } from 'node:crypto';
import type { Hook, SettingsSpec } from '../../../schemas/generated/types.ts';
import type { LabelChanges } from '../recreate/labels.ts';

export const HOOK_LABELS = { pre: 'sentinel.hook.pre-update', post: 'sentinel.hook.post-update', timeout: 'sentinel.hook.timeout' } as const;
export const HOOK_LABELS_OWNER = 'vigil.dev/hook-labels';

const HOOK_LABEL_KEYS: readonly string[] = [HOOK_LABELS.pre, HOOK_LABELS.post, HOOK_LABELS.timeout];
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

function digestOf(labels: Readonly<Record<string, string>>): string {
  const entries = HOOK_LABEL_KEYS.flatMap((key) => (labels[key] === undefined ? [] : [[key, labels[key]]]));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}

/** Whether the container's hook labels are exactly what Vigil wrote from Hook resources. */
export function hookLabelsWrittenByVigil(labels: Readonly<Record<string, string>>): boolean {
  const marker = labels[HOOK_LABELS_OWNER];
  return marker !== undefined && marker === digestOf(labels);
}

function quote(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv as the shell command a label holds (label hooks run with `sh -c`): `sh -c SCRIPT` is SCRIPT itself. */
export function shellCommand(argv: readonly string[]): string {
  const [program, flag, script, ...rest] = argv;
  if ((program === 'sh' || program === '/bin/sh') && flag === '-c' && script !== undefined && rest.length === 0) return script;
  return argv.map(quote).join(' ');
}

/** One phase's Hook resources (already in run order) as one command: each runs only if the one before succeeded. */
function phaseCommand(hooks: readonly Hook[]): string | undefined {
  if (hooks.length === 0) return undefined;
  if (hooks.length === 1) return shellCommand(hooks[0]?.spec.command ?? []);
  return hooks.map((hook) => `(${shellCommand(hook.spec.command)})`).join(' && ');
}

/**
 * The label changes an update's recreate makes, or undefined for none: `selected` are the Hook resources selecting
 * the container (in run order), `labels` its current Docker labels.
 */
export function hookLabelChanges(settings: SettingsSpec | undefined, labels: Readonly<Record<string, string>>, selected: readonly Hook[]): LabelChanges | undefined {
  if (settings?.hooksWriteLabels !== true) return undefined;
  const owned = hookLabelsWrittenByVigil(labels);
  const present = HOOK_LABEL_KEYS.filter((key) => labels[key] !== undefined);
  if (!owned && present.length > 0) return undefined;
  const set: Record<string, string> = {};
  const pre = phaseCommand(selected.filter((hook) => hook.spec.phase === 'pre-update'));
  const post = phaseCommand(selected.filter((hook) => hook.spec.phase === 'post-update'));
  if (pre !== undefined) set[HOOK_LABELS.pre] = pre;
  if (post !== undefined) set[HOOK_LABELS.post] = post;
  if (selected.length > 0) {
    // One timeout label for both phases (Sentinel's format): the longest any written Hook allows.
    set[HOOK_LABELS.timeout] = String(Math.max(...selected.map((hook) => hook.spec.timeoutSeconds ?? 30)));
    set[HOOK_LABELS_OWNER] = digestOf(set);
  }
  const remove = [...HOOK_LABEL_KEYS, HOOK_LABELS_OWNER].filter((key) => labels[key] !== undefined && set[key] === undefined);
  const unchanged = remove.length === 0 && Object.entries(set).every(([key, value]) => labels[key] === value);
  return unchanged ? undefined : { set, remove };
}
