// Fault injection for the update (as etcd's gofail failpoints): `VIGIL_FAILPOINTS=update-after=STEP` pauses the
// update controller right after the action of STEP ran and its result was persisted, `update-at=STEP` as soon as a
// pass finds the operation at STEP (a wait, such as the grace period or the health check, included). The pause lasts
// until the process is killed: the fault-injection tests kill `vigil serve` there with SIGKILL and start it again.
// Unset (always, outside such tests), it costs one comparison per step.

export interface Failpoint {
  when: 'after' | 'at';
  step: string;
}

/** Parses `update-after=STEP` or `update-at=STEP`; throws naming what is wrong; undefined for an empty value. */
export function parseFailpoint(text: string | undefined): Failpoint | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const match = /^update-(after|at)=([A-Za-z]+)$/.exec(text.trim());
  if (match === null || match[2] === undefined) throw new Error(`VIGIL_FAILPOINTS=${JSON.stringify(text)}: expected update-after=STEP or update-at=STEP`);
  return { when: match[1] === 'after' ? 'after' : 'at', step: match[2] };
}
