// Issue 6's figures: one container updated by Vigil's update machine versus the same steps typed as docker CLI
// commands (pull, stop, rename, create, start, rm), on the same engine in the same run, alternating; and twenty
// independent containers updated at once by one process (total time, peak memory).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../testbed/daemon.ts';
import { startUpdateTestbed, type UpdateTestbed } from '../integration/update/update-testbed.ts';
import { mib, ms, percentile, table, type Row } from './stats.ts';

const ROUNDS = 12;
const CONCURRENT = 20;

async function runContainer(bed: UpdateTestbed, name: string): Promise<void> {
  const port = await freePort();
  await bed.engine.docker(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:8080`, '-e', 'MODE=bench', '--restart', 'unless-stopped', bed.oldReference]);
}

/** What a person (or a script like Watchtower's) does by hand, each step one docker CLI call. */
async function updateWithCli(bed: UpdateTestbed, name: string): Promise<number> {
  const inspected = await bed.inspect(name);
  const bindings = (inspected.HostConfig as { PortBindings: Record<string, Array<{ HostPort: string }>> }).PortBindings;
  const port = bindings['8080/tcp']?.[0]?.HostPort ?? '0';
  const started = performance.now();
  await bed.engine.docker(['pull', '-q', bed.newReference]);
  await bed.engine.docker(['stop', name]);
  await bed.engine.docker(['rename', name, `${name}-old`]);
  await bed.engine.docker(['create', '--name', name, '-p', `127.0.0.1:${port}:8080`, '-e', 'MODE=bench', '--restart', 'unless-stopped', bed.newReference]);
  await bed.engine.docker(['start', name]);
  await bed.engine.docker(['rm', `${name}-old`]);
  return performance.now() - started;
}

async function updateWithVigil(bed: UpdateTestbed, name: string): Promise<number> {
  const started = performance.now();
  const result = await bed.update(name, bed.newReference, { gracePeriodMs: 0 });
  if (result.details.outcome !== 'success') throw new Error(`bench update of ${name}: ${result.details.outcome} ${result.details.error ?? ''}`);
  return performance.now() - started;
}

function concurrentFigures(bed: UpdateTestbed, names: string[]): { totalMs: number; peakRss: number; baseRss: number } {
  const child = spawnSync(
    process.execPath,
    [join(import.meta.dirname, 'update-concurrent.child.ts'), JSON.stringify({ host: bed.engine.host, journal: mkdtempSync(join(bed.engine.dir, 'bench-')), target: bed.newReference, names })],
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (child.status !== 0) throw new Error(`concurrent update child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { totalMs: number; peakRss: number; baseRss: number };
}

export async function updateBenchmark(): Promise<string> {
  const bed = await startUpdateTestbed('bench-update');
  try {
    await bed.engine.docker(['pull', bed.newReference]);
    const vigil: number[] = [];
    const cli: number[] = [];
    // Alternating, so that both see the same engine state (cache, number of containers) and machine load.
    for (let round = 0; round < ROUNDS; round += 1) {
      await runContainer(bed, `vigil${round}`);
      await runContainer(bed, `cli${round}`);
      vigil.push(await updateWithVigil(bed, `vigil${round}`));
      cli.push(await updateWithCli(bed, `cli${round}`));
    }
    const names = Array.from({ length: CONCURRENT }, (_, index) => `many${index}`);
    for (const name of names) await runContainer(bed, name);
    const concurrent = concurrentFigures(bed, names);

    const ratio = percentile(vigil, 50) / percentile(cli, 50);
    const rows: Row[] = [
      { measure: 'one update, p50', values: [ms(percentile(vigil, 50)), ms(percentile(cli, 50))] },
      { measure: 'one update, p90', values: [ms(percentile(vigil, 90)), ms(percentile(cli, 90))] },
      { measure: 'ratio of the p50s (Vigil / CLI)', values: [ratio.toFixed(2), '1.00'], target: '≤ 1.2' },
    ];
    const concurrentRows: Row[] = [
      { measure: `${CONCURRENT} independent containers updated at once, total`, values: [ms(concurrent.totalMs)] },
      { measure: 'per container, on average', values: [ms(concurrent.totalMs / CONCURRENT)] },
      { measure: 'process memory (RSS) before the updates', values: [mib(concurrent.baseRss)] },
      { measure: 'peak process memory (max RSS) during the updates', values: [mib(concurrent.peakRss)] },
    ];
    return [
      '## Update (issue 6)',
      '',
      `One container (a port on 127.0.0.1, an env var, a restart policy) updated from app:1 to app:2, image already pulled, ` +
        `grace period 0, ${ROUNDS} rounds alternating between Vigil's update machine (observe, decide, journal written and ` +
        `fsync'ed before every step, pull, stop, rename, create, start, verify, remove) and the same steps as docker CLI ` +
        `commands (pull, stop, rename, create, start, rm; each a separate \`docker\` process, as a script would run them). ` +
        `Both on the same Docker 20.10 engine and local registry.`,
      '',
      table(['Vigil', 'docker CLI'], rows),
      '',
      `${CONCURRENT} independent containers updated at once by one process running the update machine (${CONCURRENT} journals), ` +
        'measured in that process: wall time from the first step to the last, and its peak resident memory.',
      '',
      table(['Vigil'], concurrentRows),
    ].join('\n');
  } finally {
    await bed.cleanup();
  }
}
