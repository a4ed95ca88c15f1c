// A node:test reporter that adds up, per test file, the time of its top-level tests and suites (hooks included: a
// suite's `before` that starts daemons counts), and writes one JSON object { "test/…/x.test.ts": seconds } at the end.
// `npm test` writes it to .testbed/test-durations.json on every run; copying that file over test/durations.json
// refreshes the order in which test/run.ts starts the files (longest first).
import { relative } from 'node:path';

interface ReporterEvent {
  type: string;
  data?: { nesting?: number; file?: string; details?: { duration_ms?: number } };
}

export default async function* fileDurations(source: AsyncIterable<ReporterEvent>): AsyncGenerator<string> {
  const seconds = new Map<string, number>();
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const data = event.data;
    if (data?.nesting !== 0 || data.file === undefined) continue;
    const file = relative(process.cwd(), data.file);
    seconds.set(file, (seconds.get(file) ?? 0) + (data.details?.duration_ms ?? 0) / 1000);
  }
  const sorted = [...seconds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([file, value]) => [file, Math.round(value * 10) / 10] as const);
  yield `${JSON.stringify(Object.fromEntries(sorted), null, 2)}\n`;
}
