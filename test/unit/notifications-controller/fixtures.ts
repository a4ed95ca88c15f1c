// The notification controllers over the real resource stack (embedded store in a temp folder, watch cache, registry)
// and the real controller manager, with a FakeClock (retry delays move only when a test advances it) and a recording
// sender whose answers the test scripts. A restart opens a new manager over the same store, as `vigil serve` would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { FakeClock, Manager } from '../../../controllers/runtime/index.ts';
import { registerNotificationControllers, type NotificationControllers } from '../../../controllers/notifications/controller/register.ts';
import type { ChannelSender, OutgoingMessage, SendResult } from '../../../controllers/notifications/channels/sender.ts';
import type { NotificationChannel, UpdateRecord } from '../../../schemas/generated/types.ts';
import { waitUntilIdle } from '../../testbed/controllers-idle.ts';

export interface RecordingSenders {
  /** Every message sent, by channel, in order. */
  sent: Map<string, OutgoingMessage[]>;
  /** The next answers, by channel (default delivered). */
  script: Map<string, SendResult[]>;
  closed: string[];
}

export interface NotificationStack {
  clock: FakeClock;
  registry: ResourceRegistry;
  metrics: Registry;
  senders: RecordingSenders;
  controllers: NotificationControllers;
  idle(): Promise<void>;
  /** Stops the manager (the store stays open for a restart). */
  stop(): Promise<void>;
}

export interface StoreHandle {
  dir: string;
  store: CachedStore;
  registry: ResourceRegistry;
  clock: FakeClock;
  close(): Promise<void>;
}

export async function openStore(): Promise<StoreHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-notify-'));
  const clock = new FakeClock();
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const registry = new ResourceRegistry({ store, now: () => new Date(clock.now()) });
  return {
    dir,
    store,
    registry,
    clock,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function recordingSenders(): RecordingSenders {
  return { sent: new Map(), script: new Map(), closed: [] };
}

export async function startNotifications(handle: StoreHandle, senders: RecordingSenders, options: { maxPending?: number } = {}): Promise<NotificationStack> {
  const metrics = new Registry();
  const manager = new Manager({ client: handle.registry, metricsRegistry: metrics, clock: handle.clock });
  const controllers = registerNotificationControllers({
    manager,
    metricsRegistry: metrics,
    ...(options.maxPending === undefined ? {} : { maxPending: options.maxPending }),
    senderFactory: (channel): ChannelSender => ({
      send: async (message) => {
        const list = senders.sent.get(channel.name) ?? [];
        list.push(message);
        senders.sent.set(channel.name, list);
        return senders.script.get(channel.name)?.shift() ?? { outcome: 'delivered' };
      },
      close: async () => {
        senders.closed.push(channel.name);
      },
    }),
  });
  await manager.start();
  return {
    clock: handle.clock,
    registry: handle.registry,
    metrics,
    senders,
    controllers,
    idle: async () => await waitUntilIdle([controllers.events, controllers.deliveries, controllers.reset]),
    stop: async () => await manager.stop(),
  };
}

export function webhookChannel(name: string, extra: Partial<NotificationChannel['spec']> = {}): NotificationChannel {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'NotificationChannel',
    metadata: { name },
    spec: { type: 'webhook', settings: { webhook: { url: 'http://127.0.0.1:9/hook' } }, ...extra },
  };
}

export function updateRecord(name: string, finishedAt: string, outcome: UpdateRecord['spec']['outcome'] = 'success'): UpdateRecord {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'UpdateRecord',
    metadata: { namespace: 'local', name },
    spec: { type: 'update', outcome, finishedAt, containerName: 'web', container: 'web', oldImage: 'nginx:1.25', newImage: 'nginx:1.26' },
  };
}
