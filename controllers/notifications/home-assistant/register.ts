// Home Assistant MQTT discovery on the controller runtime, leader-only like every controller:
//   home-assistant           key `default`: the connection and the retained entities (discovery-reconciler.ts);
//                            woken by Settings spec changes, Containers, the mqtt channels and their Secrets, and
//                            the connection's own events (connected, Home Assistant online, left-over configs)
//   home-assistant-commands  key HOST/NAME: install messages from the command topics (commands.ts)
import type { Container, NotificationChannel, Secret, Settings } from '../../../schemas/generated/types.ts';
import { generationChanged, keyOf, type Controller, type Manager, type Runnable } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { secretKeyOf } from '../controller/channel-senders.ts';
import { CommandInbox, CommandReconciler } from './commands.ts';
import { DiscoveryReconciler, SETTINGS_NAME } from './discovery-reconciler.ts';
import { connectSession, type SessionFactory } from './session.ts';

export interface HomeAssistantOptions {
  manager: Manager;
  /** Default: a real MQTT connection (session.ts). */
  connect?: SessionFactory;
}

export interface HomeAssistantControllers {
  discovery: Controller;
  commands: Controller;
}

export function registerHomeAssistantControllers(options: HomeAssistantOptions): HomeAssistantControllers {
  const { manager } = options;
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  const containers = manager.informers.informerFor<Stored<Container>>('Container');
  const channels = manager.informers.informerFor<Stored<NotificationChannel>>('NotificationChannel');
  const secrets = manager.informers.informerFor<Stored<Secret>>('Secret');
  const inbox = new CommandInbox();
  let discovery: Controller | undefined;
  let commands: Controller | undefined;

  const reconciler = new DiscoveryReconciler({
    client: manager.client,
    settings: settings.lister,
    containers: containers.lister,
    channels: channels.lister,
    secrets: secrets.lister,
    clock: manager.clock,
    connect: options.connect ?? connectSession,
    wake: () => discovery?.enqueue(SETTINGS_NAME),
    onCommand: (topic, payload) => {
      const key = inbox.put(settings.lister.get(SETTINGS_NAME), { topic, payload });
      if (key === undefined) manager.logger.warn({ topic }, 'Home Assistant command on a topic that names no container: ignored');
      else commands?.enqueue(key);
    },
  });
  // Added before the controllers, so that it stops after them: the connection closes (Vigil offline) last.
  manager.add({ name: 'home-assistant-connection', start: () => undefined, stop: async () => await reconciler.close() } satisfies Runnable);

  discovery = manager.addController({ name: 'home-assistant', reconciler, exists: () => true });
  const toSettings = (): string => SETTINGS_NAME;
  // Its own status writes do not change the generation: they do not wake it up.
  discovery.watch(settings, (object) => (object.metadata.name === SETTINGS_NAME ? SETTINGS_NAME : undefined), { updateFilter: generationChanged });
  discovery.watch(containers, toSettings);
  discovery.watch(channels, (channel) => (channel.spec.type === 'mqtt' ? SETTINGS_NAME : undefined), { updateFilter: generationChanged });
  discovery.watch(secrets, (secret) => (channels.lister.list().some((channel) => channel.spec.type === 'mqtt' && secretKeyOf(channel) === keyOf(secret)) ? SETTINGS_NAME : undefined));

  commands = manager.addController({ name: 'home-assistant-commands', reconciler: new CommandReconciler({ client: manager.client, settings: settings.lister, inbox, clock: manager.clock }), exists: () => true });
  return { discovery, commands };
}
