// A REST read a page shows: fetched on mount and again whenever `deps` (signals read inside `key`) change, e.g. the
// Settings informer's objects, so that a change made by kubectl, git or another browser shows without a reload.
import { useSignal, useSignalEffect, type Signal } from '@preact/signals';
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
  useSignalEffect(() => {
    void key();
    void tick.value;
    getJson<T>(url).then((answer) => {
      data.value = answer;
      error.value = '';
    }, (failure: unknown) => {
      error.value = messageOf(failure);
    });
  });
  return { data, error, reload: () => (tick.value += 1) };
}
