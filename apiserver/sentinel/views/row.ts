// The dashboard's table row of one container (GET /api/containers/{name}/row, fetched when an SSE event names it):
// a small HTML fragment, every value escaped, no inline script or style (the Content-Security-Policy forbids both).
import type { ContainerSummaryView } from './container-view.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values: the five characters that matter in HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

function cell(name: string, value: string): string {
  return `<td class="${name}">${escapeHtml(value)}</td>`;
}

export function containerRow(view: ContainerSummaryView, queued: boolean): string {
  const state = view.maintenance ? 'updating' : view.state;
  const attributes = [
    `data-name="${escapeHtml(view.name)}"`,
    `data-host="${escapeHtml(view.host_id)}"`,
    `data-state="${escapeHtml(state)}"`,
    `data-policy="${escapeHtml(view.policy)}"`,
    ...(view.stack === undefined ? [] : [`data-stack="${escapeHtml(view.stack)}"`]),
    ...(queued ? ['data-pending="true"'] : []),
  ];
  return [
    `<tr class="container-row" ${attributes.join(' ')}>`,
    cell('name', view.name),
    cell('image', view.image),
    cell('state', state),
    cell('health', view.health),
    cell('policy', view.policy),
    cell('update', queued ? 'pending approval' : view.update_available ? 'update available' : ''),
    '</tr>',
  ].join('');
}
