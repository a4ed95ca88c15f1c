// A stack's heading with its counts and, for those who may change settings, Move up / Move down buttons that save
// the global order (Settings `stackOrder`, POST /api/settings/stack-order, Sentinel's route). Buttons rather than
// Sentinel's drag handle: they work from the keyboard and on a phone.
import { messageOf, postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { toast } from '../../components/toasts.tsx';
import { NO_STACK, type ContainerRow } from '../../live/container-view.ts';
import { movedStack } from './layout.ts';

/** `nested`: under a host heading (h3), else a top-level group (h2). */
export function StackHeader({ stack, rows, shownOrder, nested }: { stack: string; rows: readonly ContainerRow[]; shownOrder: readonly string[]; nested: boolean }) {
  const Heading = nested ? 'h3' : 'h2';
  const running = rows.filter((row) => row.state === 'running').length;
  const pending = rows.filter((row) => row.update !== undefined).length;
  const movable = can('settings.modify') && stack !== NO_STACK;
  const index = shownOrder.indexOf(stack);
  const last = shownOrder.filter((name) => name !== NO_STACK).length - 1;
  const move = async (step: -1 | 1): Promise<void> => {
    try {
      await postJson('api/settings/stack-order', { order: movedStack(shownOrder, stack, step) });
    } catch (error) {
      toast(`Saving the stack order failed: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <Heading class="stack-header">
      {stack} <span class="count" title="containers">{rows.length}</span>
      <small class="muted"> {running} running{pending > 0 ? `, ${pending} pending` : ''}</small>
      {movable && (
        <span class="stack-move">
          <button type="button" class="btn btn-plain" aria-label={`Move stack ${stack} up`} disabled={index <= 0} onClick={() => void move(-1)}>↑</button>
          <button type="button" class="btn btn-plain" aria-label={`Move stack ${stack} down`} disabled={index < 0 || index >= last} onClick={() => void move(1)}>↓</button>
        </span>
      )}
    </Heading>
  );
}
