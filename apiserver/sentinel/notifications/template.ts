// Notification templates in the Go text/template syntax Sentinel stores (`Update: {{.ContainerName}}`), rendered for
// the preview endpoint, and checked when saved. text/template escapes nothing, and neither does this: the output is
// the text a channel would send. The subset: text, `{{.Field}}` over the event's fields, `{{if .Field}}…{{else}}…
// {{end}}` (an empty field is false), comments `{{/* … */}}` and the trim markers `{{-` and `-}}`. Anything else
// (functions, pipelines, range, with, variables) is refused with a message naming it, instead of being printed raw.
// No npm library implements Go templates for JavaScript in a maintained form; the subset is small enough to own.

// Sentinel's fields (Emoji included, which Sentinel fills only in the preview; Vigil at send time too), then Vigil's
// for a batch or a digest (rendered once per container): ContainerNames, every container of the message, and
// ContainerCount.
export const TEMPLATE_FIELDS = ['ContainerName', 'OldImage', 'NewImage', 'OldDigest', 'NewDigest', 'Error', 'Type', 'Timestamp', 'Title', 'Severity', 'Emoji', 'ContainerNames', 'ContainerCount'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
export type TemplateData = Readonly<Record<TemplateField, string>>;

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'field'; field: TemplateField }
  | { kind: 'if'; field: TemplateField; then: Node[]; otherwise: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
  /** 1-based position of the action in the template, for messages. */
  at: number;
}

function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < template.length) {
    const open = template.indexOf('{{', position);
    if (open === -1) {
      tokens.push({ kind: 'text', text: template.slice(position), at: position + 1 });
      break;
    }
    const close = template.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError(`unclosed action at character ${open + 1}`);
    let text = template.slice(position, open);
    let inner = template.slice(open + 2, close);
    // `{{- ` trims the whitespace before, ` -}}` the whitespace after (Go requires the space next to the dash).
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let next = close + 2;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      const rest = template.slice(next);
      next += rest.length - rest.replace(/^\s+/, '').length;
    }
    if (text !== '') tokens.push({ kind: 'text', text, at: position + 1 });
    tokens.push({ kind: 'action', text: inner.trim(), at: open + 1 });
    position = next;
  }
  return tokens;
}

function fieldOf(expression: string, at: number): TemplateField {
  const match = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expression);
  if (match === null || match[1] === undefined) {
    throw new TemplateError(`unsupported action {{${expression}}} at character ${at}: only {{.Field}}, {{if .Field}}, {{else}} and {{end}} are supported`);
  }
  const field = TEMPLATE_FIELDS.find((candidate) => candidate === match[1]);
  if (field === undefined) throw new TemplateError(`unknown field .${match[1]} at character ${at} (fields: ${TEMPLATE_FIELDS.map((name) => `.${name}`).join(', ')})`);
  return field;
}

/** Parses a template; throws TemplateError saying what is wrong and where. */
export function parseTemplate(template: string): Node[] {
  const tokens = tokenize(template);
  let index = 0;
  const parseBlock = (inside: 'top' | 'if'): { nodes: Node[]; ended: 'else' | 'end' | 'eof' } => {
    const nodes: Node[] = [];
    while (index < tokens.length) {
      const token = tokens[index];
      index += 1;
      if (token === undefined) break;
      if (token.kind === 'text') {
        nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.text;
      if (/^\/\*[\s\S]*\*\/$/.test(action)) continue;
      if (action === 'end' || action === 'else') {
        if (inside === 'top') throw new TemplateError(`{{${action}}} at character ${token.at} without an {{if}}`);
        return { nodes, ended: action };
      }
      const condition = /^if\s+(.+)$/.exec(action);
      if (condition !== null && condition[1] !== undefined) {
        const field = fieldOf(condition[1].trim(), token.at);
        const then = parseBlock('if');
        let otherwise: Node[] = [];
        if (then.ended === 'else') {
          const rest = parseBlock('if');
          if (rest.ended !== 'end') throw new TemplateError(`{{if}} at character ${token.at} has no {{end}}`);
          otherwise = rest.nodes;
        } else if (then.ended !== 'end') {
          throw new TemplateError(`{{if}} at character ${token.at} has no {{end}}`);
        }
        nodes.push({ kind: 'if', field, then: then.nodes, otherwise });
        continue;
      }
      nodes.push({ kind: 'field', field: fieldOf(action, token.at) });
    }
    return { nodes, ended: 'eof' };
  };
  return parseBlock('top').nodes;
}

function render(nodes: readonly Node[], data: TemplateData): string {
  let output = '';
  for (const node of nodes) {
    if (node.kind === 'text') output += node.text;
    else if (node.kind === 'field') output += data[node.field];
    else output += render(data[node.field] === '' ? node.otherwise : node.then, data);
  }
  return output;
}

export function renderTemplate(template: string, data: TemplateData): string {
  return render(parseTemplate(template), data);
}

const TITLES: Readonly<Record<string, [string, string, string]>> = {
  update_available: ['Update available', 'info', '🆕'],
  version_available: ['New version available', 'info', '🆕'],
  update_started: ['Update started', 'info', '🔄'],
  update_succeeded: ['Update succeeded', 'info', '✅'],
  update_failed: ['Update failed', 'error', '❌'],
  rollback_succeeded: ['Rollback succeeded', 'warning', '↩️'],
  rollback_failed: ['Rollback failed', 'error', '🚨'],
  container_state: ['Container state', 'warning', '⚠️'],
  digest: ['Pending updates', 'info', '📋'],
};

/** The sample event a preview renders (the container name is Sentinel's sample, `sentinel-test`). */
export function sampleData(eventType: string, now: Date): TemplateData {
  const [title, severity, emoji] = TITLES[eventType] ?? ['Notification', 'info', '🔔'];
  const failed = eventType === 'update_failed' || eventType === 'rollback_failed';
  return {
    ContainerName: 'sentinel-test',
    OldImage: 'nginx:1.27.3',
    NewImage: 'nginx:1.27.4',
    OldDigest: 'sha256:3b7c1d0e5a2f4b6c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
    NewDigest: 'sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4',
    Error: failed ? 'health check failed: the container exited with code 1' : '',
    Type: eventType,
    Timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Title: title,
    Severity: severity,
    Emoji: emoji,
    ContainerNames: 'sentinel-test',
    ContainerCount: '1',
  };
}
