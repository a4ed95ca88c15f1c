// How far a running update or rollback is: its step's place in the update machine's own step list (imported from
// the controller, a constant, so the bar cannot drift from what the machine does), as a progress bar with text.
// A step the machine skips (no hook, no backup) is passed over, so the bar only moves forward.
import type { Operation } from '../../../schemas/generated/types.ts';
import { FORWARD_STEPS, ROLLBACK_STEPS } from '../../../controllers/update/machine/operation.ts';

export function OperationProgress({ operation }: { operation: Operation }) {
  const steps: readonly string[] = operation.step?.startsWith('rollback') === true ? ROLLBACK_STEPS : FORWARD_STEPS;
  const index = operation.step === undefined ? -1 : steps.indexOf(operation.step);
  const label = `${operation.type} progress`;
  if (index < 0) return <progress aria-label={label} />;
  return (
    <>
      <progress aria-label={label} value={index + 1} max={steps.length} />
      <p class="muted">Step {index + 1} of {steps.length}: {operation.step}{operation.step?.startsWith('rollback') === true ? ' (going back to the old container)' : ''}</p>
    </>
  );
}
