// The controller runtime, in one import for controllers: `import { ... } from '../runtime/index.ts'`.
export { SystemClock, systemClock, deadline, abortReason, type Clock, type Deadline, type Timer } from './clock.ts';
export { FakeClock, FAKE_CLOCK_START, settle } from './fake-clock.ts';
export { keyOf, splitKey, type ObjectReference } from './keys.ts';
export { WorkQueue, type WorkQueueMetrics, type WorkQueueOptions } from './workqueue.ts';
export { ExponentialBackoff, TokenBucket, MaxOf, defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';
export { Indexer, NAMESPACE_INDEX, type IndexFunc, type Lister, type ListOptions } from './indexer.ts';
export { Informer, isExpired, type InformerOptions, type ResourceEventHandler } from './informer.ts';
export { SharedInformerFactory, type InformerFactoryOptions, type InformerFor } from './informer-factory.ts';
export {
  TerminalError,
  isTerminalError,
  RECONCILE_OUTCOMES,
  type ReconcileContext,
  type ReconcileOutcome,
  type ReconcileResult,
  type Reconciler,
} from './reconciler.ts';
export { Controller, generationChanged, type ControllerOptions, type KeyMapper, type StopOptions, type WatchOptions } from './controller.ts';
export { ControllerMetrics } from './metrics.ts';
export {
  setCondition,
  findCondition,
  removeCondition,
  isConditionTrue,
  isConditionFalse,
  timestamp,
  type Condition,
  type ConditionStatus,
  type ConditionUpdate,
} from './conditions.ts';
export { writeStatus, statusOf, terminalErrorCondition, type Status, type WriteStatusOptions, type TerminalErrorConditionOptions } from './status.ts';
export { SingleProcessLeader, type LeaderElector, type StartLeading, type StopLeading } from './leader-election.ts';
export { LeaderFencedClient } from './fenced-client.ts';
// EtcdLeaderElector lives in './etcd-leader-election.ts', imported only when etcd is configured (etcd3 and gRPC cost
// about 20 MiB of memory).
export { Manager, type ManagerOptions, type ManagedControllerOptions, type Runnable } from './manager.ts';
