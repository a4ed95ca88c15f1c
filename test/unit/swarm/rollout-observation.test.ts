// Every UpdateStatus state (and none) gets an answer and a deadline: the pure decision the SwarmService reconciler
// takes on each read of a service and its tasks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { observeRollout, type RolloutExpectation } from '../../../controllers/swarm/rollout-observation.ts';
import type { ServiceInspect, TaskSummary, UpdateState } from '../../../controllers/swarm/service-api.ts';

const OLD = `sha256:${'1'.repeat(64)}`;
const NEW = `sha256:${'2'.repeat(64)}`;

function service(digest: string, state?: UpdateState, replicas = 2): ServiceInspect {
  return {
    id: 'svc',
    name: 'web',
    version: 10,
    spec: { Name: 'web', Mode: { Replicated: { Replicas: replicas } }, TaskTemplate: { ContainerSpec: { Image: `r/web:2@${digest}` } } },
    ...(state === undefined ? {} : { updateStatus: { state, message: `state ${state}` } }),
  };
}

function task(digest: string, state = 'running', error?: string): TaskSummary {
  return { id: `t-${Math.random()}`, serviceID: 'svc', nodeID: 'n1', state, desiredState: state === 'running' || state === 'starting' ? 'running' : 'shutdown', image: `r/web:2@${digest}`, ...(error === undefined ? {} : { error, updatedAt: '2026-01-01T00:00:00Z' }) };
}

const base: RolloutExpectation = { kind: 'update', digest: NEW, startedAt: 0, now: 1_000, startDeadlineMs: 60_000, rolloutDeadlineMs: 600_000, onPaused: 'rollback' };

describe('observeRollout', () => {
  it('calls a completed update a success only once every task runs the new digest', () => {
    assert.equal(observeRollout(service(NEW, 'completed'), [task(NEW), task(OLD)], base).kind, 'wait');
    assert.deepEqual(observeRollout(service(NEW, 'completed'), [task(NEW), task(NEW)], base), { kind: 'done', outcome: 'success', message: 'every running task has the digest' });
  });

  it('waits while Swarm updates, and times out at the rollout deadline with the last task error', () => {
    assert.equal(observeRollout(service(NEW, 'updating'), [task(OLD)], base).kind, 'wait');
    const step = observeRollout(service(NEW, 'updating'), [task(OLD), task(NEW, 'failed', 'no such image')], { ...base, now: 700_000 });
    assert.equal(step.kind, 'done');
    assert.equal(step.kind === 'done' ? step.outcome : '', 'timeout');
    assert.match(step.message, /no such image/);
  });

  it('never hangs on an absent UpdateStatus: success when already converged, success for 0 replicas, timeout otherwise', () => {
    assert.equal(observeRollout(service(NEW), [task(NEW), task(NEW)], base).kind, 'done');
    assert.deepEqual(observeRollout(service(NEW, undefined, 0), [], base).kind, 'done');
    assert.equal(observeRollout(service(NEW), [task(OLD), task(OLD)], base).kind, 'wait');
    const late = observeRollout(service(NEW), [task(OLD), task(OLD)], { ...base, now: 61_000 });
    assert.equal(late.kind === 'done' ? late.outcome : late.kind, 'timeout');
  });

  it('answers paused with the policy: roll back by default, fail when told', () => {
    assert.equal(observeRollout(service(NEW, 'paused'), [task(OLD)], base).kind, 'rollback');
    const failed = observeRollout(service(NEW, 'paused'), [task(OLD)], { ...base, onPaused: 'fail' });
    assert.equal(failed.kind === 'done' ? failed.outcome : failed.kind, 'failed');
  });

  it('records Swarm\'s own rollback as rollback, and a requested one as rollback_success', () => {
    const own = observeRollout(service(OLD, 'rollback_completed'), [task(OLD), task(OLD)], base);
    assert.equal(own.kind === 'done' ? own.outcome : own.kind, 'rollback');
    const requested = observeRollout(service(OLD, 'rollback_completed'), [task(OLD), task(OLD)], { ...base, kind: 'rollback', digest: OLD });
    assert.equal(requested.kind === 'done' ? requested.outcome : requested.kind, 'rollback_success');
    assert.equal(observeRollout(service(OLD, 'rollback_started'), [task(OLD)], base).kind, 'wait');
  });

  it('raises an alert when the rollback itself pauses', () => {
    const step = observeRollout(service(OLD, 'rollback_paused'), [task(OLD)], base);
    assert.equal(step.kind, 'done');
    assert.equal(step.kind === 'done' ? step.outcome : '', 'rollback_failed');
    assert.equal(step.kind === 'done' ? step.alert : false, true);
  });
});
