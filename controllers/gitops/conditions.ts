// Conditions as Kubernetes keeps them: one per type, lastTransitionTime moved only when the status flips.
// TODO(issue 4): use controllers/runtime/conditions.ts once the controller runtime is on main.
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number | undefined;
  lastTransitionTime: string;
}

export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

function timestamp(nowMs: number): string {
  return new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function isCondition(value: unknown): value is Condition {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

export function setCondition(conditions: readonly unknown[], update: ConditionUpdate, nowMs: number): Condition[] {
  const existing = conditions.filter(isCondition);
  const previous = existing.find((condition) => condition.type === update.type);
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    ...(update.observedGeneration === undefined ? {} : { observedGeneration: update.observedGeneration }),
    lastTransitionTime: previous !== undefined && previous.status === update.status ? previous.lastTransitionTime : timestamp(nowMs),
  };
  return previous === undefined ? [...existing, next] : existing.map((condition) => (condition.type === update.type ? next : condition));
}

export function removeCondition(conditions: readonly unknown[], type: string): Condition[] {
  return conditions.filter(isCondition).filter((condition) => condition.type !== type);
}
