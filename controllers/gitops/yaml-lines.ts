// Line numbers for manifests: where each YAML document starts and where a field named by a validation cause sits,
// so that a status (and `vigil apply`) can say "apps.yaml:14: spec.policy: Unsupported value".
import { isCollection, isNode, type Document, type LineCounter } from 'yaml';

/** `spec.ports[0].hostPort` → ["spec", "ports", 0, "hostPort"]; `metadata.labels[vigil.dev/x]` → [..., "vigil.dev/x"]. */
export function fieldPath(field: string): (string | number)[] {
  const path: (string | number)[] = [];
  const pattern = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (const match of field.matchAll(pattern)) {
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(/^\d+$/.test(match[2]) ? Number(match[2]) : match[2]);
  }
  return path;
}

function lineOf(lines: LineCounter, offset: number | undefined): number | undefined {
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

/** The line where a document's content begins (after any `---` and comments). */
export function documentLine(document: Document.Parsed, lines: LineCounter): number {
  const contents = document.contents;
  return lineOf(lines, isNode(contents) ? contents.range?.[0] : undefined) ?? lineOf(lines, document.range[0]) ?? 1;
}

/**
 * The line of the deepest node on `field`'s path that exists in the document (the field itself when present, else
 * the object that lacks it), or the document's first line.
 */
export function fieldLine(document: Document.Parsed, lines: LineCounter, field: string | undefined): number {
  const fallback = documentLine(document, lines);
  if (field === undefined || field === '') return fallback;
  let node: unknown = document.contents;
  let line = fallback;
  for (const step of fieldPath(field)) {
    if (!isCollection(node)) break;
    // A pair's key gives the line a person looks at ("policy: sometimes"), its value may start on the next line.
    const pair = 'items' in node ? node.items.find((item, index) =>
      typeof step === 'number' ? index === step : isNode((item as { key?: unknown }).key) && String((item as { key: { toJSON(): unknown } }).key.toJSON()) === step) : undefined;
    if (pair === undefined) break;
    const key = (pair as { key?: unknown }).key;
    const value = typeof step === 'number' ? pair : (pair as { value?: unknown }).value;
    const at = isNode(key) && typeof step !== 'number' ? key.range?.[0] : isNode(value) ? value.range?.[0] : undefined;
    line = lineOf(lines, at) ?? line;
    node = value;
  }
  return line;
}
