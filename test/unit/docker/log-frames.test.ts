// Log bodies as the engine sends them: framed per stream without a TTY, raw with one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demultiplexLogs, splitRawLogs } from '../../../controllers/docker/log-frames.ts';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test('frames become lines of their stream, in the order written, a line split over frames joined', () => {
  const body = Buffer.concat([frame(1, 'one\n'), frame(2, 'tw'), frame(1, 'three\r\n'), frame(2, 'o\n'), frame(1, 'tail without newline')]);
  assert.deepEqual(demultiplexLogs(body), [
    { stream: 'stdout', text: 'one' },
    { stream: 'stdout', text: 'three' },
    { stream: 'stderr', text: 'two' },
    { stream: 'stdout', text: 'tail without newline' },
  ]);
});

test('a truncated last frame keeps what arrived; an empty body has no lines', () => {
  const whole = frame(1, 'cut short\n');
  assert.deepEqual(demultiplexLogs(whole.subarray(0, whole.length - 7)), [{ stream: 'stdout', text: 'cut' }]);
  assert.deepEqual(demultiplexLogs(Buffer.alloc(0)), []);
});

test('a TTY body is one stream of lines, reported as stdout', () => {
  assert.deepEqual(splitRawLogs(Buffer.from('a\r\nb\n{"json": true}\n')), [
    { stream: 'stdout', text: 'a' },
    { stream: 'stdout', text: 'b' },
    { stream: 'stdout', text: '{"json": true}' },
  ]);
});
