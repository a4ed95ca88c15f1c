// `npm test`: provisions the real components (Debian packages, kubectl), type-checks, checks generated files, then
// runs every test file with node:test. Daemons are started by the tests themselves in private temporary folders.
// Usage: npm test [-- FILE...]   (no files: every test under test/unit and test/integration)
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { provisionTestbed, projectRoot } from './testbed/provision.ts';

function step(name: string, command: string, args: string[]): void {
  const started = Date.now();
  console.error(`\n== ${name}`);
  const result = spawnSync(command, args, { cwd: projectRoot, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\n== ${name} FAILED (${result.signal ?? `exit ${result.status}`})`);
    process.exit(result.status ?? 1);
  }
  console.error(`== ${name}: ok (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const requested = process.argv.slice(2);

console.error('== provisioning the test bed');
provisionTestbed();

const nodeBinary = process.execPath;
step('type check', nodeBinary, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', 'tsconfig.json']);
step('type check of the dashboard', nodeBinary, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join('web', 'tsconfig.json')]);
step('generated files are current', nodeBinary, ['schemas/tools/generate.ts', '--check']);

const files =
  requested.length > 0
    ? requested
    : [
        ...globSync('test/unit/**/*.test.ts', { cwd: projectRoot }),
        ...globSync('test/integration/**/*.test.ts', { cwd: projectRoot }),
      ].sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Test files run in parallel processes. Most of a file's time is spent waiting on its own dockerd, etcd or registry
// (starting daemons, pulling, health checks), not on the CPU, so one file more than there are cores keeps the cores
// busy without starving the engines: on the usual 2-core machine, 3. The deadlines (test/testbed/deadlines.ts) are
// sized for that load.
const concurrency = testConcurrency();
console.error(`\n== ${files.length} test files, ${concurrency} at a time`);
step('tests', nodeBinary, [
  '--test',
  '--test-reporter=spec',
  // Each file starts its own daemons on free ports, so files running at once do not interfere.
  `--test-concurrency=${concurrency}`,
  // No test may hang the run: CI has a hard limit.
  '--test-timeout=600000',
  ...files.map((file) => relative(projectRoot, join(projectRoot, file))),
]);

function testConcurrency(): number {
  const raw = process.env.VIGIL_TEST_CONCURRENCY;
  if (raw === undefined || raw === '') return availableParallelism() + 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`VIGIL_TEST_CONCURRENCY must be a whole number of at least 1, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}
