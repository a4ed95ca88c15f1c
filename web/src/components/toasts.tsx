// Outcomes of actions, announced to screen readers (role=status) and gone after a while.
import { signal } from '@preact/signals';

interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'error';
}

const toasts = signal<Toast[]>([]);
let nextId = 1;
const TOAST_MS = 6000;

export function toast(text: string, tone: Toast['tone']): void {
  const id = nextId++;
  toasts.value = [...toasts.value, { id, text, tone }];
  setTimeout(() => {
    toasts.value = toasts.value.filter((item) => item.id !== id);
  }, TOAST_MS);
}

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((item) => (
        <div key={item.id} class={`toast toast-${item.tone}`}>{item.text}</div>
      ))}
    </div>
  );
}
