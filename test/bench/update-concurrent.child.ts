// Child process of the update benchmark: updates every named container at once with the update machine (one journal
// each) and prints the wall time and this process's peak resident memory.
// Usage: node update-concurrent.child.ts '{"host": "unix:///…", "journal": DIR, "target": REF, "names": [...]}'
import { join } from 'node:path';
import { systemClock } from '../../controllers/update/clock.ts';
import { DockerodeUpdateDocker, dockerodeFor } from '../../controllers/update/docker/dockerode-update-docker.ts';
import { FileJournal } from '../../controllers/update/machine/file-journal.ts';
import { newUpdateOperation } from '../../controllers/update/machine/operation.ts';
import { runUpdate } from '../../controllers/update/machine/run.ts';
import { QUICK } from '../integration/update/update-testbed.ts';

const { host, journal, target, names } = JSON.parse(process.argv[2] ?? '{}') as { host: string; journal: string; target: string; names: string[] };
const docker = new DockerodeUpdateDocker({ docker: dockerodeFor(host) });
const baseRss = process.memoryUsage().rss;
const started = performance.now();
const outcomes = await Promise.all(
  names.map(async (name) => {
    const signal = AbortSignal.timeout(300_000);
    const inspected = await docker.inspectContainer(name, signal);
    if (inspected === undefined) throw new Error(`no container ${name}`);
    const operation = newUpdateOperation({ containerName: name, containerID: inspected.Id, targetImage: target, options: QUICK, now: Date.now() });
    const result = await runUpdate(operation, { docker, journal: new FileJournal(join(journal, name)), clock: systemClock, signal });
    return result.details.outcome;
  }),
);
const totalMs = performance.now() - started;
const failed = outcomes.filter((outcome) => outcome !== 'success');
if (failed.length > 0) throw new Error(`${failed.length} updates did not succeed: ${failed.join(', ')}`);
// maxRSS is in KiB.
process.stdout.write(`${JSON.stringify({ totalMs, baseRss, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`);
