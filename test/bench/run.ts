// `npm run bench [-- SUITE...]`: runs the benchmarks and prints their figures as markdown, with the machine and the
// command, ready for docs/performance.md. Suites start their own daemons, like the tests.
import { cpus, totalmem } from 'node:os';
import { provisionTestbed } from '../testbed/provision.ts';

type Suite = () => Promise<string>;

const suites: Record<string, () => Promise<Suite>> = {
  storage: async () => (await import('./storage.bench.ts')).storageBenchmark,
  auth: async () => (await import('./auth.bench.ts')).authBenchmark,
  api: async () => (await import('./api.bench.ts')).apiBenchmark,
  docker: async () => (await import('./docker.bench.ts')).dockerBenchmark,
  gitops: async () => (await import('./gitops.bench.ts')).gitopsBenchmark,
  registry: async () => (await import('./registry.bench.ts')).registryBenchmark,
  update: async () => (await import('./update.bench.ts')).updateBenchmark,
  dashboard: async () => (await import('./dashboard.bench.ts')).dashboardBenchmark,
  notifications: async () => (await import('./notifications.bench.ts')).notificationsBenchmark,
  swarm: async () => (await import('./swarm.bench.ts')).swarmBenchmark,
  ha: async () => (await import('./ha.bench.ts')).haBenchmark,
};

const requested = process.argv.slice(2);
const names = requested.length > 0 ? requested : Object.keys(suites);
for (const name of names) {
  if (suites[name] === undefined) {
    console.error(`unknown benchmark ${JSON.stringify(name)}; known: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
}

provisionTestbed();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`# Vigil benchmarks\n`);
console.log(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString()}`);
console.log(`Command: \`npm run bench${requested.length > 0 ? ` -- ${requested.join(' ')}` : ''}\`\n`);
for (const name of names) {
  const load = suites[name];
  if (load === undefined) continue;
  const suite = await load();
  const started = Date.now();
  console.log(await suite());
  console.log(`\n_(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)_\n`);
}
process.exit(0);
