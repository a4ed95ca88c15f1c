// The one interface between the notification pipeline (outbox, batching, templates, retries: controllers/notifications)
// and the ten channel types (one file each beside this one). The pipeline renders a message once per delivery; a
// sender only fits it to its service (markup escaping, length limits) and puts it on the wire. A sender never retries
// and never sleeps: it reports what happened and the pipeline decides (Alertmanager's notify stages).
import type { NotificationChannelSpec } from '../../../schemas/generated/types.ts';

/** Every event type Vigil sends (GET /api/settings/notifications/event-types). */
export const NOTIFICATION_EVENT_TYPES = [
  'update_available',
  'version_available',
  'update_started',
  'update_succeeded',
  'update_failed',
  'rollback_succeeded',
  'rollback_failed',
  'container_state',
  'digest',
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];

export type NotificationSeverity = 'info' | 'success' | 'warning' | 'error';

/** One container named by an event; a batch or a digest names every one of them. */
export interface NotifiedContainer {
  name: string;
  host: string;
  /** `service` for a Swarm service (name is the service's, host the manager Host it is read through); absent: a container. */
  kind?: 'service';
  /** Swarm services: the swarm's cluster ID. */
  cluster?: string;
  image: string;
  currentVersion?: string;
  targetVersion?: string;
  /** The tag the update goes to (for a digest update of a mutable tag, the same tag; targetVersion says which version). */
  targetTag?: string;
  /** The full reference the update pulls. */
  targetImage?: string;
  currentDigest?: string;
  targetDigest?: string;
  /** The failure text, whole: each sender trims it to its service's limits, keeping it readable. */
  error?: string;
  /** container_state: what changed (exited 1, unhealthy, restarting). */
  state?: string;
  /** digest: since when the update has been waiting (RFC 3339). */
  waitingSince?: string;
  releaseURL?: string;
}

/** The machine-readable event: the webhook body, the MQTT payload, the template variables' source. */
export interface NotificationPayload {
  type: NotificationEventType;
  /** RFC 3339. */
  timestamp: string;
  containers: NotifiedContainer[];
}

/** One message for one channel, rendered from the templates by the pipeline. Title and body are plain text. */
export interface OutgoingMessage {
  /** Stable across retries and restarts; HTTP senders send it as X-Vigil-Delivery so receivers can drop duplicates. */
  deliveryId: string;
  title: string;
  body: string;
  severity: NotificationSeverity;
  emoji: string;
  payload: NotificationPayload;
}

export type SendResult =
  | { outcome: 'delivered' }
  /**
   * Worth trying again (network error, 5xx, 429); retryAfterMs from Retry-After when the service sent one.
   * `unreachable`: the service could not be reached at all (connection refused, no route, broker not connected): the
   * message never arrived, so the pipeline keeps it until the service is back instead of spending its retries.
   */
  | { outcome: 'retry'; error: string; retryAfterMs?: number; unreachable?: true }
  /** Final: trying again cannot help (4xx other than 429, a refused login, a malformed channel). */
  | { outcome: 'failed'; error: string };

/** A channel with its Secret's keys resolved (decrypted) by the pipeline. */
export interface ResolvedChannel {
  name: string;
  spec: NotificationChannelSpec;
  secrets: Readonly<Record<string, string>>;
}

export interface ChannelSender {
  /** Error texts in the result are already redacted: no token, password, key or secret URL part in them. */
  send(message: OutgoingMessage, signal: AbortSignal): Promise<SendResult>;
  /** Releases a persistent connection (MQTT); a no-op for HTTP senders. */
  close(): Promise<void>;
}

export type SenderFactory = (channel: ResolvedChannel) => ChannelSender;
