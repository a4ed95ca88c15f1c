// The outbox in the store: one NotificationDelivery resource per pending delivery, so a `kill -9` loses nothing.
// A resource name must be a DNS-1123 subdomain, and event keys hold slashes and colons, so the name is the channel
// and a hash of the delivery id; the id itself (channel + event key) is rebuilt from the spec.
import { createHash } from 'node:crypto';
import type { NotificationDelivery } from '../../../schemas/generated/types.ts';
import type { ResourceClient, ResourceObject } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { NotificationPayload } from '../channels/sender.ts';
import { deliveryId, type OutboxStore, type PendingDelivery } from './outbox.ts';

const KIND = 'NotificationDelivery';
const CHANNEL_LABEL = 'vigil.dev/notification-channel';

export function deliveryResourceName(channel: string, id: string): string {
  return `${channel.slice(0, 200)}.${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

function eventKeyOf(delivery: PendingDelivery): string {
  return delivery.id.slice(delivery.channel.length + 1);
}

function toPending(object: ResourceObject): PendingDelivery {
  const resource = object as unknown as NotificationDelivery;
  const notBefore = resource.status?.notBefore === undefined ? 0 : Date.parse(resource.status.notBefore);
  return {
    id: deliveryId(resource.spec.channel, resource.spec.eventKey),
    channel: resource.spec.channel,
    sequence: resource.spec.sequence,
    payload: resource.spec.payload as NotificationPayload,
    attempts: resource.status?.attempts ?? 0,
    notBefore: Number.isNaN(notBefore) ? 0 : notBefore,
  };
}

export class ResourceOutboxStore implements OutboxStore {
  readonly #client: ResourceClient;

  constructor(client: ResourceClient) {
    this.#client = client;
  }

  async list(channel: string): Promise<PendingDelivery[]> {
    const list = await this.#client.list(KIND, { labelSelector: `${CHANNEL_LABEL}=${channel}` });
    return list.items.map(toPending);
  }

  async create(delivery: PendingDelivery): Promise<boolean> {
    const resource: NotificationDelivery = {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: KIND,
      metadata: { name: deliveryResourceName(delivery.channel, delivery.id), labels: { [CHANNEL_LABEL]: delivery.channel } },
      spec: { channel: delivery.channel, sequence: delivery.sequence, eventKey: eventKeyOf(delivery), payload: delivery.payload },
    };
    try {
      await this.#client.create(resource);
      return true;
    } catch (error) {
      if (isApiError(error, 'AlreadyExists')) return false;
      throw error;
    }
  }

  async update(delivery: PendingDelivery): Promise<void> {
    const name = deliveryResourceName(delivery.channel, delivery.id);
    const status = { attempts: delivery.attempts, notBefore: new Date(delivery.notBefore).toISOString() };
    await this.#client.patch(KIND, undefined, name, 'merge', { status }, { subresource: 'status' });
  }

  async delete(id: string): Promise<void> {
    const channel = id.slice(0, id.indexOf('/'));
    try {
      await this.#client.delete(KIND, undefined, deliveryResourceName(channel, id));
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}
