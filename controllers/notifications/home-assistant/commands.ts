// Messages on the command topics (STATE/HOST/NAME/install), handled off the MQTT callback: the session puts each in
// the inbox and enqueues its container's key; a pass takes the key's messages and, with Settings
// spec.haDiscovery.allowInstall on, writes the approval (install.ts) to the Container as POST /api/approve does.
// With it off, or for another payload, the message is ignored and logged. Either way Settings
// status.homeAssistant.lastCommand says what came of the last one.
import type { Container, HomeAssistantStatus, Settings, SettingsStatus } from '../../../schemas/generated/types.ts';
import type { ResourceClient, ResourceObject } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { StoredContainer } from '../../../apiserver/sentinel/container-key.ts';
import { statusOf, writeStatus, type Clock, type Lister, type ReconcileContext, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { FIELD_MANAGER, SETTINGS_NAME } from './discovery-reconciler.ts';
import { installDecision, withInstall, type InstallDecision } from './install.ts';
import { PAYLOAD_INSTALL, parseCommandTopic, topicsOf } from './topics.ts';

export interface Command {
  topic: string;
  payload: string;
}

/** Messages kept per container until its pass: a flood on one topic cannot grow memory without bound. */
const MAX_PER_CONTAINER = 8;

/** Command messages by Container key (HOST/NAME), in arrival order, until a pass takes them. */
export class CommandInbox {
  readonly #commands = new Map<string, Command[]>();

  /** The key to enqueue, or undefined for a topic that names no container. */
  put(settings: Settings | undefined, command: Command): string | undefined {
    const container = parseCommandTopic(topicsOf(settings?.spec?.haDiscovery), command.topic);
    if (container === undefined) return undefined;
    const key = `${container.host}/${container.name}`;
    this.#commands.set(key, [...(this.#commands.get(key) ?? []), command].slice(-MAX_PER_CONTAINER));
    return key;
  }

  take(key: string): Command[] {
    const commands = this.#commands.get(key) ?? [];
    this.#commands.delete(key);
    return commands;
  }
}

export interface CommandReconcilerOptions {
  client: ResourceClient;
  settings: Lister<Stored<Settings>>;
  inbox: CommandInbox;
  clock: Clock;
}

type Outcome = NonNullable<HomeAssistantStatus['lastCommand']>['outcome'];

export class CommandReconciler implements Reconciler {
  readonly #options: CommandReconcilerOptions;

  constructor(options: CommandReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<void> {
    for (const command of this.#options.inbox.take(key)) {
      const { outcome, message } = await this.#handle(key, command);
      const log = { topic: command.topic, container: key, outcome, message };
      if (outcome === 'Approved') context.logger.info(log, 'Home Assistant install: update approved');
      else context.logger.warn(log, `Home Assistant command ${outcome.toLowerCase()}`);
      await this.#record(command, key, outcome, message);
    }
  }

  async #handle(key: string, command: Command): Promise<{ outcome: Outcome; message: string }> {
    const settings = this.#options.settings.get(SETTINGS_NAME)?.spec?.haDiscovery;
    if (settings?.enabled !== true || settings.allowInstall !== true) {
      return { outcome: 'Ignored', message: 'spec.haDiscovery.allowInstall is off: install from Home Assistant is not allowed' };
    }
    if (command.payload !== PAYLOAD_INSTALL) return { outcome: 'Ignored', message: `the payload is not ${PAYLOAD_INSTALL}` };
    const [host = '', name = ''] = key.split('/');
    let decision: InstallDecision = { kind: 'refuse', message: 'no such container' };
    try {
      // Decided on the newest state inside the write, as the REST approve binds to what is there.
      await this.#options.client.modify('Container', host, name, (current) => {
        decision = installDecision(current as StoredContainer, new Date(this.#options.clock.now()));
        return decision.kind === 'approve' ? (withInstall(current as Container, decision.update) as unknown as ResourceObject) : current;
      }, { fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
      return { outcome: 'Refused', message: `no Container ${key}` };
    }
    const made = decision as InstallDecision;
    return made.kind === 'approve'
      ? { outcome: 'Approved', message: `update to ${made.update.version ?? made.update.digest ?? 'the queued digest'} requested` }
      : { outcome: 'Refused', message: made.message };
  }

  async #record(command: Command, container: string, outcome: Outcome, message: string): Promise<void> {
    if (this.#options.settings.get(SETTINGS_NAME) === undefined) return;
    try {
      await writeStatus(this.#options.client, 'Settings', undefined, SETTINGS_NAME, (current) => {
        const status = statusOf(current) as SettingsStatus;
        const previous = status.homeAssistant ?? {};
        return {
          ...status,
          homeAssistant: {
            ...previous,
            lastCommand: { topic: command.topic, container, outcome, message, at: new Date(this.#options.clock.now()).toISOString() },
            ...(outcome === 'Ignored' ? { ignoredCommands: (previous.ignoredCommands ?? 0) + 1 } : {}),
          },
        };
      }, { fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}
