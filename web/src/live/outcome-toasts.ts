// Toasts for update outcomes, from the UpdateRecords the update controllers write (typed: record type and outcome),
// so that an update made by a controller, kubectl, git, Home Assistant or another browser is announced as it ends,
// not only the ones this page started. Records already there when the informer first went live are history, not
// news. Watching the informer this page already holds, instead of Sentinel's SSE stream, costs no connection:
// the browser gives an origin six, and the watches use most of them.
import { effect } from '@preact/signals';
import { toast } from '../components/toasts.tsx';
import { outcomeToast } from './outcome-text.ts';
import { updateRecords } from './stores.ts';

/** Starts announcing new records; returns the stop. */
export function announceOutcomes(): () => void {
  let seen: Set<string> | undefined;
  return effect(() => {
    const items = updateRecords.items.value;
    const live = updateRecords.state.value === 'live';
    if (seen === undefined) {
      // Until the first list is in and the watch open, what the informer holds may be partial.
      if (!live) return;
      seen = new Set(items.keys());
      return;
    }
    for (const [key, record] of items) {
      if (seen.has(key)) continue;
      seen.add(key);
      const shown = outcomeToast(record);
      if (shown !== undefined) toast(shown.text, shown.tone);
    }
  });
}
