// `npm test`: provisions the real components (Debian packages, kubectl), type-checks, checks generated files, then
// runs every test file with node:test. Daemons are started by the tests themselves in private temporary folders.
// Usage: npm test [-- FILE...]   (no files: every test under test/unit and test/integration)
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, readFileSync } from 'node:fs';
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
    : longestFirst([
        ...globSync('test/unit/**/*.test.ts', { cwd: projectRoot }),
        ...globSync('test/integration/**/*.test.ts', { cwd: projectRoot }),
      ]);
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
  // The spec output for people, and each file's time for the order of the next runs (see longestFirst).
  '--test-reporter-destination=stdout',
  '--test-reporter=./test/file-durations-reporter.ts',
  `--test-reporter-destination=${join('.testbed', 'test-durations.json')}`,
  ...files.map((file) => relative(projectRoot, join(projectRoot, file))),
]);

/**
 * The files in the order they start: longest first, by the times in test/durations.json (a run's
 * .testbed/test-durations.json, copied there). Files start in the order given, `concurrency` at a time, so a long file
 * started last keeps the run going alone on one slot while the others are idle; longest first leaves the short ones to
 * fill the slots at the end (the classic longest-processing-time rule). A file not listed yet is taken for a long one:
 * it starts early rather than late. Ties keep the alphabetical order, so the order is the same on every machine.
 */
function longestFirst(paths: string[]): string[] {
  const known = recordedDurations();
  const unknown = Number.POSITIVE_INFINITY;
  return paths.sort().map((file, index) => ({ file, index, seconds: known.get(file) ?? unknown }))
    .sort((a, b) => (b.seconds === a.seconds ? a.index - b.index : b.seconds - a.seconds))
    .map((entry) => entry.file);
}

function recordedDurations(): Map<string, number> {
  const path = join(projectRoot, 'test', 'durations.json');
  if (!existsSync(path)) return new Map();
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path} must hold one object { file: seconds }`);
  return new Map(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
}

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
