// A button that runs one REST action: disabled while it runs, its error shown next to it, and, when destructive,
// asking first (a tap on a phone must never roll back a container by accident).
import { useSignal } from '@preact/signals';
import { messageOf } from '../api/http.ts';
import { toast } from './toasts.tsx';

export interface ActionButtonProps {
  label: string;
  run: () => Promise<unknown>;
  confirm?: string;
  kind?: 'primary' | 'danger' | 'plain';
  done?: string;
}

export function ActionButton({ label, run, confirm, kind = 'plain', done }: ActionButtonProps) {
  const busy = useSignal(false);
  const onClick = async () => {
    if (confirm !== undefined && !window.confirm(confirm)) return;
    busy.value = true;
    try {
      await run();
      if (done !== undefined) toast(done, 'ok');
    } catch (error) {
      toast(`${label} failed: ${messageOf(error)}`, 'error');
    } finally {
      busy.value = false;
    }
  };
  return (
    <button type="button" class={`btn btn-${kind}`} disabled={busy.value} onClick={onClick}>
      {busy.value ? `${label}…` : label}
    </button>
  );
}
