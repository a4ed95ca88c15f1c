// How the container list is laid out, from Settings: groups by host (only when there is more than one) and then by
// compose stack in Settings `stackOrder` (stacks listed there first, in that order; the others by name; the
// containers of no stack always last, as Sentinel's "Standalone"), and the columns Settings `dashboardColumns` shows
// (Name always; absent or empty: every column). Pure, so that a unit test can pin the rules.
import { NO_STACK, type ContainerRow } from '../../live/container-view.ts';

/** The optional columns, in display order. Sentinel's keys (image, policy, status) mean the same here. */
export const COLUMNS = [
  { key: 'image', label: 'Image' },
  { key: 'version', label: 'Version' },
  { key: 'update', label: 'Update' },
  { key: 'policy', label: 'Policy' },
  { key: 'status', label: 'State' },
  { key: 'checked', label: 'Last check' },
  { key: 'actions', label: 'Actions' },
] as const;

export type ColumnKey = (typeof COLUMNS)[number]['key'];

export function visibleColumns(setting: readonly string[] | undefined): Set<ColumnKey> {
  const known = new Set<string>(COLUMNS.map((column) => column.key));
  const chosen = (setting ?? []).filter((key): key is ColumnKey => known.has(key));
  return new Set(chosen.length === 0 ? COLUMNS.map((column) => column.key) : chosen);
}

export interface StackGroup {
  stack: string;
  rows: ContainerRow[];
}

export interface HostGroup {
  /** The Host resource's name (the Containers' namespace). */
  host: string;
  stacks: StackGroup[];
}

/** Stack names in display order: `order` first (those present), then the rest by name, no stack last. */
export function orderedStacks(names: Iterable<string>, order: readonly string[] | undefined): string[] {
  const present = new Set(names);
  const first = (order ?? []).filter((name, index, all) => present.has(name) && name !== NO_STACK && all.indexOf(name) === index);
  const rest = [...present].filter((name) => name !== NO_STACK && !first.includes(name)).sort((a, b) => a.localeCompare(b));
  return [...first, ...rest, ...(present.has(NO_STACK) ? [NO_STACK] : [])];
}

/** Rows grouped host → stack; hosts by name with `local` first. */
export function groupRows(rows: readonly ContainerRow[], order: readonly string[] | undefined): HostGroup[] {
  const byHost = new Map<string, ContainerRow[]>();
  for (const row of rows) byHost.set(row.namespace, [...(byHost.get(row.namespace) ?? []), row]);
  const hosts = [...byHost.keys()].sort((a, b) => (a === 'local' ? -1 : b === 'local' ? 1 : a.localeCompare(b)));
  return hosts.map((host) => {
    const list = byHost.get(host) ?? [];
    const byStack = new Map<string, ContainerRow[]>();
    for (const row of list) byStack.set(row.stack, [...(byStack.get(row.stack) ?? []), row]);
    return {
      host,
      stacks: orderedStacks(byStack.keys(), order).map((stack) => ({
        stack,
        rows: (byStack.get(stack) ?? []).sort((a, b) => a.dockerName.localeCompare(b.dockerName)),
      })),
    };
  });
}

/** The new saved order after moving `stack` one place up (-1) or down (+1) among `shown` (the order on screen). */
export function movedStack(shown: readonly string[], stack: string, step: -1 | 1): string[] {
  const names = shown.filter((name) => name !== NO_STACK);
  const from = names.indexOf(stack);
  const to = from + step;
  if (from < 0 || to < 0 || to >= names.length) return names;
  const moved = [...names];
  moved.splice(from, 1);
  moved.splice(to, 0, stack);
  return moved;
}
