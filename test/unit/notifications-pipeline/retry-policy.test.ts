import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextStep } from '../../../controllers/notifications/pipeline/retry-policy.ts';

describe('nextStep', () => {
  it('is done after a delivery', () => {
    assert.deepEqual(nextStep({ outcome: 'delivered' }, 1, 3), { action: 'done' });
  });
  it('doubles the backoff from 2 s', () => {
    const delays = [1, 2, 3].map((attempt) => nextStep({ outcome: 'retry', error: 'HTTP 502' }, attempt, 3));
    assert.deepEqual(delays.map((step) => (step.action === 'retry' ? step.delayMs : -1)), [2_000, 4_000, 8_000]);
  });
  it('gives up after the configured retries', () => {
    assert.equal(nextStep({ outcome: 'retry', error: 'HTTP 502' }, 4, 3).action, 'give_up');
    assert.equal(nextStep({ outcome: 'retry', error: 'HTTP 502' }, 1, 0).action, 'give_up');
  });
  it('waits at least the Retry-After', () => {
    const step = nextStep({ outcome: 'retry', error: 'HTTP 429', retryAfterMs: 20_000 }, 1, 3);
    assert.deepEqual(step, { action: 'retry', delayMs: 20_000, error: 'HTTP 429' });
  });
  it('keeps retrying a service it cannot reach, whatever the retries, with the capped backoff', () => {
    const unreachable = { outcome: 'retry' as const, error: 'request failed: ECONNREFUSED', unreachable: true as const };
    assert.deepEqual(nextStep(unreachable, 1, 0), { action: 'retry', delayMs: 2_000, error: 'request failed: ECONNREFUSED' });
    assert.deepEqual(nextStep(unreachable, 500, 3), { action: 'retry', delayMs: 30_000, error: 'request failed: ECONNREFUSED' });
  });
  it('does not retry a final failure', () => {
    assert.deepEqual(nextStep({ outcome: 'failed', error: 'HTTP 400' }, 1, 3), { action: 'give_up', error: 'HTTP 400' });
  });
});
