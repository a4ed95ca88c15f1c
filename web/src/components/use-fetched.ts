// A REST read a page shows: fetched on mount and again whenever `deps` (signals read inside `key`) change, e.g. the
// Settings informer's objects, so that a change made by kubectl, git or another browser shows without a reload.
import { useSignal, useSignalEffect, type Signal } from '@preact/signals';
import { useRef } from 'preact/hooks';
import { getJson, messageOf } from '../api/http.ts';

export interface Fetched<T> {
  data: Signal<T | undefined>;
  error: Signal<string>;
  reload: () => void;
}

export function useFetched<T>(url: string, key: () => unknown = () => undefined): Fetched<T> {
  const data = useSignal<T | undefined>(undefined);
  const error = useSignal('');
  const tick = useSignal(0);
  const latest = useRef(0);
  useSignalEffect(() => {
    void key();
    void tick.value;
    // Two reads can be in flight (a change arrived while the first was on its way) and answer out of order: only the
    // newest one's answer is shown, or an older state would overwrite the newer one until the next change.
    const sequence = ++latest.current;
    getJson<T>(url).then((answer) => {
      if (sequence !== latest.current) return;
      data.value = answer;
      error.value = '';
    }, (failure: unknown) => {
      if (sequence !== latest.current) return;
      error.value = messageOf(failure);
    });
  });
  return { data, error, reload: () => (tick.value += 1) };
}
