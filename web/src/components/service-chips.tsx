// A service's marks, in text as well as colour: running/desired tasks, and Swarm's UpdateStatus state.
export function TasksBadge({ running, desired }: { running: number; desired: number }) {
  return <span class={`chip tasks ${running < desired ? 'tasks-short' : 'tasks-ok'}`} title="running/desired tasks">{running}/{desired}</span>;
}

export function UpdateStateChip({ state }: { state: string }) {
  return <span class={`chip update-${state}`}>{state}</span>;
}
