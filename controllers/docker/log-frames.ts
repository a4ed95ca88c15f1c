// Splits a container's log output into lines of stdout and stderr. Without a TTY the engine multiplexes both streams
// into frames (8-byte header: stream 1 or 2, three zero bytes, big-endian payload length); with a TTY it sends the raw
// terminal output, all of it stdout. docker-modem's demuxStream writes the two streams to two separate writables and
// so loses their interleaving, which a log tail must keep: hence this small parser.
import type { LogLine } from '../../domain/docker/client.ts';

const HEADER_BYTES = 8;

/** Lines of a multiplexed log body, in the order they were written; a partial last line is kept. */
export function demultiplexLogs(body: Buffer): LogLine[] {
  const lines: LogLine[] = [];
  const pending: Record<LogLine['stream'], string> = { stdout: '', stderr: '' };
  const push = (stream: LogLine['stream'], chunk: string): void => {
    const parts = (pending[stream] + chunk).split('\n');
    pending[stream] = parts.pop() ?? '';
    for (const part of parts) lines.push({ stream, text: part.replace(/\r$/, '') });
  };
  let offset = 0;
  while (offset + HEADER_BYTES <= body.length) {
    const streamByte = body.readUInt8(offset);
    const size = body.readUInt32BE(offset + 4);
    const start = offset + HEADER_BYTES;
    const end = Math.min(start + size, body.length);
    // stdin (0) never appears in logs; anything but stderr is shown as stdout.
    push(streamByte === 2 ? 'stderr' : 'stdout', body.toString('utf8', start, end));
    offset = end;
  }
  for (const stream of ['stdout', 'stderr'] as const) if (pending[stream] !== '') lines.push({ stream, text: pending[stream] });
  return lines;
}

/** Lines of a TTY container's log body (a single stream, reported as stdout). */
export function splitRawLogs(body: Buffer): LogLine[] {
  const parts = body.toString('utf8').split('\n');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((part) => ({ stream: 'stdout', text: part.replace(/\r$/, '') }));
}
