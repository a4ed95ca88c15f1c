// Child process of the storage benchmark: opens the store exactly as `vigil serve` does (openStore: backend + watch
// cache), fills it with 10,000 objects, and prints its resident memory after a full garbage collection.
// Usage: node --expose-gc storage-memory.child.ts embedded DIR | etcd ENDPOINT
import { pino } from 'pino';
import { openStore } from '../../apiserver/storage/open.ts';
import { SecretBox, keyFromText } from '../../apiserver/auth/secret-box.ts';
import { benchObject, BENCH_PREFIX } from './storage-objects.ts';
import { pool } from './stats.ts';

const [kind, where] = process.argv.slice(2);
if (where === undefined) throw new Error('usage: storage-memory.child.ts embedded DIR | etcd ENDPOINT');
const logger = pino({ level: 'silent' });
const encryption = new SecretBox([keyFromText(SecretBox.generateKeyText())]);
const store =
  kind === 'embedded'
    ? await openStore({ kind: 'embedded' }, { dataDir: where, logger, encryption })
    : await openStore({ kind: 'etcd', endpoints: [where] }, { dataDir: '/nonexistent', logger, encryption });
const prefix = `${BENCH_PREFIX}memory/`;
await pool(10_000, 32, async (i) => {
  await store.create(`${prefix}${String(i).padStart(5, '0')}`, benchObject(i));
});
for (let i = 0; i < 3; i += 1) globalThis.gc?.();
const usage = process.memoryUsage();
process.stdout.write(JSON.stringify({ rss: usage.rss, heapUsed: usage.heapUsed, objects: store.objectCount }) + '\n');
await store.close();
