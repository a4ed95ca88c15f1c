// Turns what is pending for a channel into the message it sends. Today one delivery is one message, rendered at send
// time with the channel's templates over Settings' (render.ts, the preview's code). This is where a batch window and
// the digest plug in: a batching channel would hand several pending deliveries to `composeMessage` and get one
// message naming every container (render.ts already renders a template once per container).
import type { NotificationChannel, NotificationTemplates, Settings } from '../../../schemas/generated/types.ts';
import type { OutgoingMessage } from '../channels/sender.ts';
import type { PendingDelivery } from '../pipeline/outbox.ts';
import { renderMessage } from '../pipeline/render.ts';

/** Settings' templates with the channel's own per-event overrides on top. */
export function templatesFor(channel: NotificationChannel, settings: Settings | undefined): NotificationTemplates | undefined {
  const global = settings?.spec?.notificationTemplates;
  const own = channel.spec.templates;
  if (own === undefined) return global;
  return { ...(global ?? {}), ...own };
}

export interface ComposedMessage {
  message: OutgoingMessage;
  templateError?: string;
}

export function composeMessage(delivery: PendingDelivery, templates: NotificationTemplates | undefined): ComposedMessage {
  const rendered = renderMessage(delivery.id, delivery.payload, templates);
  return rendered.templateError === undefined ? { message: rendered.message } : { message: rendered.message, templateError: rendered.templateError };
}
