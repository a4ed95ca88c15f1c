// Fault injection at the Docker level: the update machine runs in a child process that is killed with SIGKILL after
// every action (and in the middle of waits and of a slow stop), then started again on the same journal. Each time the
// update converges: the container exists exactly once under its name, on the old or the new image as the outcome
// says, with no recovery copy left, and the container in its network namespace is joined to it again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FileJournal } from '../../../controllers/update/machine/file-journal.ts';
import { convergenceProblems } from '../../../controllers/update/machine/invariant.ts';
import { newUpdateOperation, type UpdateOptions } from '../../../controllers/update/machine/operation.ts';
import { IDLE, NEW_IMAGE, QUICK, startUpdateTestbed, type UpdateTestbed } from './update-testbed.ts';
import { deadlines } from '../../testbed/deadlines.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'update-child.ts');

interface ChildEvent {
  event: 'before' | 'after' | 'wait' | 'paused' | 'done';
  index?: number;
  step?: string;
  action?: string;
  outcome?: string;
}

type Pause = { when: 'before' | 'after' | 'wait'; index: number } | { when: 'afterMs'; ms: number; step: string };

/** Runs the child until it is done, or until the pause point, where it is killed with SIGKILL. */
async function runChild(host: string, journal: string, start: string, pause?: Pause): Promise<ChildEvent[]> {
  const options = { host, journal, start, ...(pause === undefined || pause.when === 'afterMs' ? {} : { pause }) };
  const child = spawn(process.execPath, [CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events: ChildEvent[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as ChildEvent;
    events.push(event);
    if (event.event === 'paused') child.kill('SIGKILL');
    if (pause?.when === 'afterMs' && event.event === 'before' && event.step === pause.step) setTimeout(() => child.kill('SIGKILL'), pause.ms);
  }
  const code = await exited;
  const killed = events.some((event) => event.event === 'paused') || (pause?.when === 'afterMs' && code === null);
  if (!killed && code !== 0) throw new Error(`update child exited with ${code}: ${stderr}`);
  return events;
}

describe('fault injection: the update process killed with SIGKILL at every step', () => {
  let bed: UpdateTestbed;
  let badReference = '';
  let run = 0;

  before(async () => {
    bed = await startUpdateTestbed('faults');
    badReference = await bed.publish('bad', { ...NEW_IMAGE, version: 'bad', health: 'fail' });
    // Pulled once here: every iteration then pulls from the registry without downloading layers again.
    await bed.engine.docker(['pull', bed.newReference]);
  });

  after(async () => {
    await bed.cleanup();
  });

  /** A fresh `web` (with a sidecar in its network namespace) and an operation to update it, in a journal of its own. */
  async function prepare(target: string, options: Partial<UpdateOptions> = {}, stopTimeout?: number) {
    run += 1;
    const name = `web${run}`;
    const stop = stopTimeout === undefined ? [] : ['--stop-timeout', String(stopTimeout), '--entrypoint', '/bin/sh'];
    const command = stopTimeout === undefined ? [] : ['-c', 'trap "" TERM INT USR1 USR2; httpd -f -p 8080 & wait'];
    const id = (await bed.engine.docker(['run', '-d', '--name', name, ...stop, bed.oldReference, ...command])).trim();
    await bed.engine.docker(['run', '-d', '--name', `${name}-sidecar`, '--network', `container:${name}`, '--entrypoint', '/bin/sh', bed.oldReference, '-c', IDLE]);
    const dir = mkdtempSync(join(bed.engine.dir, 'journal-'));
    const start = join(dir, 'start.json');
    const operation = newUpdateOperation({
      containerName: name,
      containerID: id,
      targetImage: target,
      options: { ...QUICK, healthTimeoutMs: deadlines.healthy, preHooks: [{ command: ['true'], timeoutSeconds: 10, skipExitCode: 75 }], ...options },
      now: Date.now(),
    });
    writeFileSync(start, JSON.stringify(operation));
    return { name, journal: join(dir, 'journal'), start };
  }

  async function assertConverged(name: string, journal: string, outcome: string, where: string): Promise<void> {
    const operation = await new FileJournal(journal).load();
    assert.ok(operation, `${where}: an operation was saved`);
    assert.equal(operation.details.outcome, outcome, `${where}: ${operation.details.error ?? ''}`);
    assert.deepEqual(await convergenceProblems(bed.docker, operation, AbortSignal.timeout(10_000)), [], where);
    const names = (await bed.engine.docker(['ps', '-a', '--format', '{{.Names}}', '--filter', `name=^${name}`])).trim().split('\n').sort();
    assert.deepEqual(names, [name, `${name}-sidecar`], `${where}: containers`);
    const web = await bed.inspect(name);
    const sidecar = await bed.inspect(`${name}-sidecar`);
    assert.equal((sidecar.HostConfig as { NetworkMode: string }).NetworkMode, `container:${String(web.Id)}`, `${where}: sidecar joined`);
    assert.equal((sidecar.State as { Running: boolean }).Running, true, `${where}: sidecar running`);
    // Done with this one: its names are not reused.
    await bed.engine.docker(['rm', '-f', name, `${name}-sidecar`]);
  }

  test('a successful update killed after each of its actions, and during its grace period, converges on the new image', async () => {
    const clean = await prepare(bed.newReference);
    const events = await runChild(bed.engine.host, clean.journal, clean.start);
    assert.equal(events.at(-1)?.outcome, 'success');
    await assertConverged(clean.name, clean.journal, 'success', 'without a kill');
    const actions = events.filter((event) => event.event === 'after').length;
    assert.ok(actions >= 10, `${actions} actions`);
    const pauses: Pause[] = [...Array.from({ length: actions }, (_, index) => ({ when: 'after' as const, index })), { when: 'wait', index: 0 }];
    for (const pause of pauses) {
      const where = `killed ${pause.when} #${'index' in pause ? pause.index : ''}`;
      // A grace period only where the kill falls into it: it costs a second per run.
      const prepared = await prepare(bed.newReference, pause.when === 'wait' ? { gracePeriodMs: 1000 } : {});
      const killed = await runChild(bed.engine.host, prepared.journal, prepared.start, pause);
      assert.ok(killed.some((event) => event.event === 'paused'), `${where}: reached`);
      const resumed = await runChild(bed.engine.host, prepared.journal, prepared.start);
      assert.equal(resumed.at(-1)?.event, 'done', where);
      await assertConverged(prepared.name, prepared.journal, 'success', `${where} (${killed.filter((event) => event.event === 'after').at(-1)?.step ?? 'start'})`);
    }
  });

  test('a failing update killed around each rollback action, and during validation, converges on the old container', async () => {
    const clean = await prepare(badReference);
    const events = await runChild(bed.engine.host, clean.journal, clean.start);
    assert.equal(events.at(-1)?.outcome, 'rollback');
    await assertConverged(clean.name, clean.journal, 'rollback', 'without a kill');
    const rollbackActions = events.filter((event) => event.event === 'before' && event.step?.startsWith('rollback') === true).map((event) => event.index ?? -1);
    const verifyWaits = events.filter((event) => event.event === 'wait' && event.step === 'verify').map((event) => event.index ?? -1);
    assert.ok(rollbackActions.length >= 3, `${rollbackActions.length} rollback actions`);
    // Killed before the first rollback action, after every one (the next starts from what the kill left), and while
    // the health check is being watched.
    const pauses: Pause[] = [
      { when: 'before', index: rollbackActions[0] ?? -1 },
      ...rollbackActions.map((index) => ({ when: 'after' as const, index })),
      { when: 'wait', index: verifyWaits[0] ?? 1 },
    ];
    for (const pause of pauses) {
      const where = `killed ${pause.when} #${'index' in pause ? pause.index : ''}`;
      const prepared = await prepare(badReference);
      await runChild(bed.engine.host, prepared.journal, prepared.start, pause);
      const resumed = await runChild(bed.engine.host, prepared.journal, prepared.start);
      assert.equal(resumed.at(-1)?.event, 'done', where);
      await assertConverged(prepared.name, prepared.journal, 'rollback', where);
    }
  });

  test('killed while the old container is still stopping, it converges', async () => {
    const prepared = await prepare(bed.newReference, {}, 3);
    await runChild(bed.engine.host, prepared.journal, prepared.start, { when: 'afterMs', ms: 500, step: 'stop' });
    const resumed = await runChild(bed.engine.host, prepared.journal, prepared.start);
    assert.equal(resumed.at(-1)?.event, 'done');
    await assertConverged(prepared.name, prepared.journal, 'success', 'killed during the stop');
  });
});
