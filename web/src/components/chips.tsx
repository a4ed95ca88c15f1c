// Small labelled marks: each says its meaning in text as well as colour (colour alone fails colour-blind users and axe).
import type { Severity } from './severity.ts';

export function SeverityChip({ severity }: { severity: Severity }) {
  return <span class={`chip sev-${severity}`}>{severity}</span>;
}

export function StateChip({ state, health }: { state: string; health: string }) {
  return (
    <span class={`chip state-${state}`}>
      {state}
      {health !== 'none' ? ` · ${health}` : ''}
    </span>
  );
}
