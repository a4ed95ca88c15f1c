// Prints the server's Table (meta.k8s.io/v1) the way kubectl does: upper-case headers, columns padded to their
// widest cell plus three spaces (kubectl's tabwriter settings), <none> for an empty cell, priority > 0 columns only
// with -o wide.
import { isObject } from '../schemas/json.ts';

export interface TableColumn {
  name: string;
  type: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } };
}

export interface Table {
  columns: TableColumn[];
  rows: TableRow[];
  resourceVersion: string | undefined;
  continue: string | undefined;
}

/** Reads a Table response; undefined when the server answered something else (a plain object or list). */
export function asTable(body: unknown): Table | undefined {
  if (!isObject(body) || body.kind !== 'Table' || !Array.isArray(body.columnDefinitions) || !Array.isArray(body.rows)) return undefined;
  const columns = body.columnDefinitions.filter(isObject).map((column): TableColumn => ({
    name: String(column.name ?? ''),
    type: String(column.type ?? 'string'),
    priority: typeof column.priority === 'number' ? column.priority : 0,
  }));
  const rows = body.rows.filter(isObject).map((row): TableRow => ({
    cells: Array.isArray(row.cells) ? row.cells : [],
    ...(isObject(row.object) ? { object: row.object as TableRow['object'] } : {}),
  }));
  const metadata = isObject(body.metadata) ? body.metadata : {};
  return {
    columns,
    rows,
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : undefined,
    continue: typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined,
  };
}

export interface PrintOptions {
  wide?: boolean;
  /** Add a NAMESPACE column first (listing several namespaces). */
  namespace?: boolean;
  /** Add a LABELS column last (--show-labels). */
  labels?: boolean;
  /** Leave the header out (rows printed while watching). */
  noHeaders?: boolean;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '<none>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function labelsText(row: TableRow): string {
  const labels = row.object?.metadata?.labels;
  if (labels === undefined || Object.keys(labels).length === 0) return '<none>';
  return Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([key, value]) => `${key}=${value}`).join(',');
}

/** The lines of text for `rows`: a header (unless noHeaders) then one line per row. */
export function tableLines(table: Pick<Table, 'columns' | 'rows'>, options: PrintOptions = {}): string[][] {
  const shown = table.columns.map((column, index) => ({ column, index })).filter(({ column }) => options.wide === true || column.priority === 0);
  const header = [
    ...(options.namespace === true ? ['NAMESPACE'] : []),
    ...shown.map(({ column }) => column.name.toUpperCase()),
    ...(options.labels === true ? ['LABELS'] : []),
  ];
  const body = table.rows.map((row) => [
    ...(options.namespace === true ? [row.object?.metadata?.namespace ?? '<none>'] : []),
    ...shown.map(({ index }) => cellText(row.cells[index])),
    ...(options.labels === true ? [labelsText(row)] : []),
  ]);
  return options.noHeaders === true ? body : [header, ...body];
}

/** Aligns cells into columns as kubectl's tabwriter does (minimum width 6, padding 3); `widths` carries over between calls. */
export function formatLines(lines: readonly string[][], widths: number[] = []): string {
  for (const line of lines) {
    line.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length + 3, 6);
    });
  }
  return lines.map((line) => line.map((cell, index) => (index === line.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('') + '\n').join('');
}
