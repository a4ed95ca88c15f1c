// `GET /api/grafana-dashboard`: a Grafana dashboard (schema 39, importable with "Import dashboard") over exactly the
// metric families /metrics serves (vigil-metrics.ts, http-metrics.ts, controllers/runtime/metrics.ts). The data
// source is an import input (`DS_PROMETHEUS`), so Grafana asks which Prometheus to use. Built in code rather than kept
// as a JSON file so that a renamed metric fails the test that checks every query names a served family.

interface Panel {
  title: string;
  type: 'timeseries' | 'stat';
  unit?: string;
  /** PromQL, with the legend of each series. */
  targets: Array<{ expr: string; legend: string }>;
}

const ROWS: Panel[][] = [
  [
    { title: 'Containers by state', type: 'stat', targets: [{ expr: 'sum by (state) (vigil_containers)', legend: '{{state}}' }] },
    { title: 'Updates waiting for approval', type: 'stat', targets: [{ expr: 'vigil_queue_pending', legend: 'pending' }] },
    { title: 'Updates available', type: 'stat', targets: [{ expr: 'vigil_updates_available', legend: 'available' }] },
    { title: 'Since last scan', type: 'stat', unit: 's', targets: [{ expr: 'time() - vigil_last_scan_timestamp_seconds', legend: 'age' }] },
  ],
  [
    { title: 'Updates by outcome', type: 'timeseries', unit: 'short', targets: [{ expr: 'sum by (type, outcome) (increase(vigil_updates_total[$__rate_interval]))', legend: '{{type}} {{outcome}}' }] },
    { title: 'Scans', type: 'timeseries', unit: 'short', targets: [{ expr: 'increase(vigil_scans_total[$__rate_interval])', legend: 'scans' }] },
  ],
  [
    { title: 'Registry rate limit remaining', type: 'timeseries', unit: 'short', targets: [
      { expr: 'vigil_registry_rate_limit_remaining', legend: '{{registry}} remaining' },
      { expr: 'vigil_registry_rate_limit_limit', legend: '{{registry}} limit' },
    ] },
    { title: 'Registry requests', type: 'timeseries', unit: 'reqps', targets: [{ expr: 'sum by (registry) (rate(vigil_registry_requests_total[$__rate_interval]))', legend: '{{registry}}' }] },
  ],
  [
    { title: 'Reconciles by result', type: 'timeseries', unit: 'ops', targets: [{ expr: 'sum by (controller, result) (rate(vigil_controller_reconcile_total[$__rate_interval]))', legend: '{{controller}} {{result}}' }] },
    { title: 'Reconcile duration (p95)', type: 'timeseries', unit: 's', targets: [{ expr: 'histogram_quantile(0.95, sum by (controller, le) (rate(vigil_controller_reconcile_duration_seconds_bucket[$__rate_interval])))', legend: '{{controller}}' }] },
    { title: 'Work queue depth', type: 'timeseries', unit: 'short', targets: [{ expr: 'vigil_workqueue_depth', legend: '{{controller}}' }] },
  ],
  [
    { title: 'HTTP latency (p95) by route', type: 'timeseries', unit: 's', targets: [{ expr: 'histogram_quantile(0.95, sum by (route, le) (rate(vigil_http_request_duration_seconds_bucket[$__rate_interval])))', legend: '{{route}}' }] },
    { title: 'HTTP requests by status', type: 'timeseries', unit: 'reqps', targets: [{ expr: 'sum by (status_code) (rate(vigil_http_request_duration_seconds_count[$__rate_interval]))', legend: '{{status_code}}' }] },
  ],
];

const DATASOURCE = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };

/** Every PromQL query of the dashboard (tests check that each names a family /metrics serves). */
export function dashboardQueries(): string[] {
  return ROWS.flat().flatMap((panel) => panel.targets.map((target) => target.expr));
}

export function grafanaDashboard(version: string): Record<string, unknown> {
  let id = 0;
  const panels: Array<Record<string, unknown>> = [];
  ROWS.forEach((row, rowIndex) => {
    const width = Math.floor(24 / row.length);
    row.forEach((panel, column) => {
      id += 1;
      panels.push({
        id,
        title: panel.title,
        type: panel.type,
        datasource: DATASOURCE,
        gridPos: { h: panel.type === 'stat' ? 5 : 8, w: width, x: column * width, y: rowIndex * 8 },
        fieldConfig: { defaults: { unit: panel.unit ?? 'short' }, overrides: [] },
        options: panel.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' } : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: panel.targets.map((target, index) => ({ refId: String.fromCharCode(65 + index), datasource: DATASOURCE, expr: target.expr, legendFormat: target.legend })),
      });
    });
  });
  return {
    __inputs: [{ name: 'DS_PROMETHEUS', label: 'Prometheus', description: 'The Prometheus that scrapes Vigil\'s /metrics', type: 'datasource', pluginId: 'prometheus', pluginName: 'Prometheus' }],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
      { type: 'panel', id: 'stat', name: 'Stat', version: '' },
    ],
    title: 'Vigil',
    description: `Vigil ${version}: containers, updates, registries, controllers and the API`,
    uid: 'vigil-overview',
    tags: ['vigil', 'docker'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}
