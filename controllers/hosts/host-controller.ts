// The Host controller: one live session per Host (opened, replaced when the endpoint, TLS Secrets or interval
// change, closed when the Host goes), and the Host's status from that session: reachable, engine and API versions,
// engine ID, Swarm role, container counts, last error, conditions Connected and Ready. Session changes (connected,
// lost, counts moved) and changes to referenced Secrets bring a new pass.
import type { Host, Secret } from '../../schemas/generated/types.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { keyOf, statusOf, writeStatus, type Controller, type Lister, type Manager, type ReconcileContext, type Reconciler } from '../runtime/index.ts';
import type { Stored } from '../stored.ts';
import { HostConfigError, hostEndpointURL, referencedSecrets, sessionConfig } from './host-config.ts';
import type { HostSession } from './host-session.ts';
import type { HostSessions } from './host-sessions.ts';
import { hostStatus } from './host-status.ts';
import type { HostStatus } from '../../schemas/generated/types.ts';

export const HOST_FIELD_MANAGER = 'vigil-host-controller';

export interface HostControllerOptions {
  manager: Manager;
  sessions: HostSessions;
  /** The server's Docker endpoint (--docker-host): used by Hosts without spec.dockerHost, the local Host among them. */
  defaultDockerHost: string;
}

class HostReconciler implements Reconciler {
  readonly #manager: Manager;
  readonly #sessions: HostSessions;
  readonly #hosts: Lister<Stored<Host>>;
  readonly #secrets: Lister<Stored<Secret>>;
  readonly #defaultDockerHost: string;

  constructor(options: HostControllerOptions, hosts: Lister<Stored<Host>>, secrets: Lister<Stored<Secret>>) {
    this.#manager = options.manager;
    this.#sessions = options.sessions;
    this.#defaultDockerHost = options.defaultDockerHost;
    this.#hosts = hosts;
    this.#secrets = secrets;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<void> {
    const host = this.#hosts.get(key);
    if (host === undefined || host.metadata.deletionTimestamp !== undefined) {
      await this.#sessions.remove(key);
      return;
    }
    let session: HostSession | undefined;
    let configError: { reason: string; message: string } | undefined;
    try {
      const config = sessionConfig(host, this.#defaultDockerHost, (namespace, name) => this.#secrets.get(`${namespace}/${name}`));
      session = await this.#sessions.ensure(key, config);
    } catch (error) {
      if (!(error instanceof HostConfigError)) throw error;
      configError = { reason: error.reason, message: error.message };
      await this.#sessions.remove(key);
    }
    try {
      await writeStatus(this.#manager.client, 'Host', undefined, key, (current) => hostStatus({
        previous: statusOf(current) as HostStatus,
        generation: current.metadata.generation,
        now: context.clock.now(),
        session: session?.snapshot(),
        endpoint: hostEndpointURL(host, this.#defaultDockerHost),
        ...(configError === undefined ? {} : { configError }),
      }) as Record<string, unknown>, { fieldManager: HOST_FIELD_MANAGER });
    } catch (error) {
      // Deleted meanwhile: the informer's delete event brings the pass that closes the session.
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}

export function registerHostController(options: HostControllerOptions): Controller {
  const { manager, sessions } = options;
  const hosts = manager.informers.informerFor<Stored<Host>>('Host');
  const secrets = manager.informers.informerFor<Stored<Secret>>('Secret');
  const controller = manager.addController({ name: 'host', reconciler: new HostReconciler(options, hosts.lister, secrets.lister), workers: 2 });
  controller.watch(hosts);
  controller.watch(secrets, (secret) => {
    const secretKey = keyOf(secret);
    return hosts.lister.list().filter((host) => referencedSecrets(host).includes(secretKey)).map((host) => keyOf(host));
  });
  sessions.subscribe({ stateChanged: (hostName) => controller.enqueue(hostName) });
  return controller;
}
