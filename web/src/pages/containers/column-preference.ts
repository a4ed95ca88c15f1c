// Each user's own choice of columns, kept in this browser's localStorage under the user's name (so two people
// sharing a browser keep theirs), over the default everyone gets: Settings `dashboardColumns`. A signal mirrors the
// stored choices, so a change re-renders the list at once.
import { signal } from '@preact/signals';

const PREFIX = 'vigil.dashboardColumns.';
const choices = signal<ReadonlyMap<string, readonly string[]>>(new Map());

function readStored(username: string): readonly string[] | undefined {
  try {
    const raw = window.localStorage.getItem(PREFIX + username);
    if (raw === null) return undefined;
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    // Storage refused (private mode, quota) or a damaged entry: the default applies.
    return undefined;
  }
}

/** The user's own columns, or undefined when they follow the default. */
export function ownColumns(username: string): readonly string[] | undefined {
  const known = choices.value.get(username);
  return known ?? readStored(username);
}

/** Saves (or with undefined forgets) the user's own columns. */
export function setOwnColumns(username: string, columns: readonly string[] | undefined): void {
  try {
    if (columns === undefined) window.localStorage.removeItem(PREFIX + username);
    else window.localStorage.setItem(PREFIX + username, JSON.stringify(columns));
  } catch {
    // Not kept across reloads, but still applied on this page.
  }
  const next = new Map(choices.value);
  if (columns === undefined) next.delete(username);
  else next.set(username, columns);
  choices.value = next;
}
