// The one place where the test suite says how long it waits. A deadline only matters when something is wrong (a
// passing test stops waiting as soon as its condition holds), so the values are generous: the suite runs on 2 shared
// cores with several test files, Docker engines and colleagues' runs at once, where starting a daemon or an exec of
// `/bin/true` can take many seconds. VIGIL_TEST_DEADLINE_FACTOR (default 1) scales every deadline, for machines that
// are slower still; it never shortens one below its value here divided by 4 so a typo cannot make the suite flaky.

function deadlineFactor(): number {
  const raw = process.env.VIGIL_TEST_DEADLINE_FACTOR;
  if (raw === undefined || raw === '') return 1;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor <= 0) throw new Error(`VIGIL_TEST_DEADLINE_FACTOR must be a positive number, not ${JSON.stringify(raw)}`);
  return Math.max(factor, 0.25);
}

const factor = deadlineFactor();

/** `ms` scaled by VIGIL_TEST_DEADLINE_FACTOR. */
export function scaled(ms: number): number {
  return Math.round(ms * factor);
}

/** Named deadlines (milliseconds), scaled. Take the one that names what is awaited rather than a new number. */
export const deadlines = {
  /** A daemon (dockerd, etcd, registry, vigil serve) answering after it was started or restarted. */
  daemonReady: scaled(180_000),
  /** One docker CLI command (run, rm, inspect, push, pull). */
  dockerCommand: scaled(180_000),
  /** A docker build of a test image. */
  dockerBuild: scaled(300_000),
  /** One HTTP request to a test daemon. */
  request: scaled(60_000),
  /** One `vigil` / `kubectl` CLI invocation. */
  cliRun: scaled(120_000),
  /** A state that in-process code reaches (a reconcile, an informer event, a watch) — no containers involved. */
  condition: scaled(60_000),
  /** A state that needs containers to be created, restarted, health-checked or rolled back. */
  containerCondition: scaled(240_000),
  /** How long an update waits for a new container to become healthy (healthTimeoutMs of the update options). */
  healthy: scaled(120_000),
  /** A daemon stopping after SIGTERM before it is killed. */
  stopGrace: scaled(30_000),
} as const;

/**
 * The HEALTHCHECK of test images. The probe's own timeout is long because on a loaded machine the exec of the probe
 * can take seconds; a failing probe (`/bin/false`) fails by its exit code at once, so an unhealthy image is still
 * reported unhealthy after `retries` intervals, not after the timeout.
 */
export const testHealthCheck = {
  intervalSeconds: 1,
  timeoutSeconds: Math.max(1, Math.round(scaled(30_000) / 1000)),
  healthyRetries: 3,
  unhealthyRetries: 2,
} as const;
