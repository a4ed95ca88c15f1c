// `vigil_leader`: 1 on the replica that leads (runs the controllers), 0 on the others, read at scrape time so that it
// can never disagree with the elector. With several replicas, sum(vigil_leader) must be 1.
import { Gauge, type Registry } from 'prom-client';

const METRIC = 'vigil_leader';

export function registerLeaderMetric(registry: Registry, isLeader: () => boolean): void {
  if (registry.getSingleMetric(METRIC) !== undefined) return;
  new Gauge({
    name: METRIC,
    help: 'Whether this Vigil replica leads (1) or follows (0): only the leader runs the controllers.',
    registers: [registry],
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
}
