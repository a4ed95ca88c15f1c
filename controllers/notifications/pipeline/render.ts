// The message a delivery sends, rendered at send time from Settings.notificationTemplates with the same template
// code as the preview route (apiserver/sentinel/notifications/template.ts), so what the preview shows is what goes
// out. A template that fails falls back to the default body and says so (templateError, for the channel's status).
import type { NotificationTemplates } from '../../../schemas/generated/types.ts';
import { renderTemplate, TemplateError, type TemplateData } from '../../../apiserver/sentinel/notifications/template.ts';
import { formatWaited } from './digest-message.ts';
import { withTag } from './update-events.ts';
import type { NotificationEventType, NotificationPayload, NotificationSeverity, NotifiedContainer, OutgoingMessage } from '../channels/sender.ts';

const DEFAULTS: Readonly<Record<NotificationEventType, { title: string; severity: NotificationSeverity; emoji: string }>> = {
  update_available: { title: 'Update available', severity: 'info', emoji: '🆕' },
  version_available: { title: 'New version available', severity: 'info', emoji: '🆕' },
  update_started: { title: 'Update started', severity: 'info', emoji: '🔄' },
  update_succeeded: { title: 'Update succeeded', severity: 'success', emoji: '✅' },
  update_failed: { title: 'Update failed', severity: 'error', emoji: '❌' },
  rollback_succeeded: { title: 'Rollback succeeded', severity: 'warning', emoji: '↩️' },
  rollback_failed: { title: 'Rollback failed', severity: 'error', emoji: '🚨' },
  container_state: { title: 'Container state', severity: 'warning', emoji: '⚠️' },
  digest: { title: 'Pending updates', severity: 'info', emoji: '📋' },
};

export interface RenderedMessage {
  message: OutgoingMessage;
  /** Set when the configured template failed and the default was used instead. */
  templateError?: string;
}

/** One line per container: a batch or a digest names every one of them and its versions, never "3 containers". */
function defaultLine(container: NotifiedContainer, now: string): string {
  const versions = container.currentVersion !== undefined || container.targetVersion !== undefined
    ? ` ${container.currentVersion ?? '?'} → ${container.targetVersion ?? '?'}`
    : '';
  const state = container.state === undefined ? '' : ` (${container.state})`;
  const error = container.error === undefined ? '' : `: ${container.error}`;
  const waited = container.waitingSince === undefined ? undefined : formatWaited(container.waitingSince, now);
  return `${container.name} on ${container.host}${versions}${state}${error}${waited === undefined ? '' : `, waiting ${waited}`}`;
}

function templateData(payload: NotificationPayload, container: NotifiedContainer, defaults: { title: string; severity: string; emoji: string }): TemplateData {
  return {
    ContainerName: container.name,
    OldImage: container.currentVersion === undefined ? container.image : withTag(container.image, container.currentVersion),
    NewImage: container.targetImage ?? (container.targetVersion === undefined ? container.image : withTag(container.image, container.targetVersion)),
    OldDigest: container.currentDigest ?? '',
    NewDigest: container.targetDigest ?? '',
    Error: container.error ?? '',
    Type: payload.type,
    Timestamp: payload.timestamp,
    Title: defaults.title,
    Severity: defaults.severity,
    Emoji: defaults.emoji,
    ContainerNames: payload.containers.map((each) => each.name).join(', '),
    ContainerCount: String(payload.containers.length),
  };
}

export function renderMessage(deliveryId: string, payload: NotificationPayload, templates: NotificationTemplates | undefined): RenderedMessage {
  const defaults = DEFAULTS[payload.type];
  const defaultBody = payload.containers.map((container) => defaultLine(container, payload.timestamp)).join('\n');
  const base = { deliveryId, title: defaults.title, severity: defaults.severity, emoji: defaults.emoji, payload };
  const template = (templates as Partial<Record<NotificationEventType, string>> | undefined)?.[payload.type];
  if (template === undefined || template === '') return { message: { ...base, body: defaultBody } };
  try {
    // The template is per container; a batch renders it once for each and names them all.
    const body = payload.containers.map((container) => renderTemplate(template, templateData(payload, container, defaults))).join('\n');
    return { message: { ...base, body } };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { message: { ...base, body: defaultBody }, templateError: `template for ${payload.type} failed, default used: ${error.message}` };
  }
}
