// The controller runtime's Prometheus metrics (controller-runtime pkg/internal/controller/metrics, client-go
// workqueue metrics), on a registry the caller passes in: never prom-client's global default, so that two managers
// (or two tests) in one process do not share counters.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RECONCILE_OUTCOMES, type ReconcileOutcome } from './reconciler.ts';
import type { WorkQueueMetrics } from './workqueue.ts';

const byRegistry = new WeakMap<Registry, ControllerMetrics>();

export class ControllerMetrics {
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly retries: Counter<'controller'>;

  /** The metrics on `registry`, registered once however many controllers ask. */
  static for(registry: Registry): ControllerMetrics {
    let metrics = byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new ControllerMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    this.reconcileTotal = new Counter({
      name: 'vigil_controller_reconcile_total',
      help: 'Reconcile passes by controller and result (success, requeue, error, terminal).',
      labelNames: ['controller', 'result'],
      registers: [registry],
    });
    this.reconcileDuration = new Histogram({
      name: 'vigil_controller_reconcile_duration_seconds',
      help: 'How long one reconcile pass took.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.queueDepth = new Gauge({
      name: 'vigil_workqueue_depth',
      help: 'Keys waiting in a controller\'s work queue.',
      labelNames: ['controller'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'vigil_workqueue_retries_total',
      help: 'Rate-limited re-adds (retries after an error) in a controller\'s work queue.',
      labelNames: ['controller'],
      registers: [registry],
    });
  }

  /** Makes every series of `controller` exist at zero, so that rates and alerts work before the first pass. */
  initController(controller: string): void {
    for (const result of RECONCILE_OUTCOMES) this.reconcileTotal.inc({ controller, result }, 0);
    this.reconcileDuration.zero({ controller });
    this.queueDepth.set({ controller }, 0);
    this.retries.inc({ controller }, 0);
  }

  recordReconcile(controller: string, result: ReconcileOutcome, seconds: number): void {
    this.reconcileTotal.inc({ controller, result });
    this.reconcileDuration.observe({ controller }, seconds);
  }

  queueMetrics(controller: string): WorkQueueMetrics {
    return {
      setDepth: (depth) => this.queueDepth.set({ controller }, depth),
      incRetries: () => this.retries.inc({ controller }),
    };
  }
}
