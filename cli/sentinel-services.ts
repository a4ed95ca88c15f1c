// The REST facade's services in `vigil serve`, each wired to what does the work: the Docker hosts' sessions, the
// registry-check request functions (controllers/registry-check/requests.ts), the registry client's tag lists, the
// registry credential test, the notification test send and the dependency graph. Requests are written with the API's own ResourceClient, not the
// manager's fenced one: a request is a resource write any replica may make; only the leader's controllers act on it.
import type { ResourceClient } from '../apiserver/resources/client.ts';
import type { RegistryChecks, SentinelServices } from '../apiserver/sentinel/context.ts';
import { checkContainerNow, requestImageCheck, requestScan } from '../controllers/registry-check/requests.ts';
import type { Clock } from '../controllers/runtime/index.ts';
import { parseImageReference } from '../domain/registry/reference.ts';
import { dependencyGraph } from '../controllers/dependencies/graph.ts';
import { testCredentials } from '../controllers/registry/credential-test.ts';
import { notificationTester } from '../controllers/notifications/controller/tester.ts';
import { GhcrAlternatives } from '../controllers/registry/ghcr-alternatives.ts';
import { testPortainerInstance } from '../controllers/portainer/instance-test.ts';
import type { RunningControllers } from './controllers.ts';

/** The facade's registry checks: requests written into resources, answered by the registry-check controllers. */
export function registryCheckServices(resources: ResourceClient, clock: Clock): RegistryChecks {
  return {
    checkNow: async (container, options) => {
      const answer = await checkContainerNow(resources, { namespace: container.namespace, name: container.name }, {
        requestedBy: options.requestedBy,
        fieldManager: options.fieldManager,
        clock,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      return { outcome: answer.outcome, newerVersions: answer.newerVersions, ...(answer.error === undefined ? {} : { error: answer.error }) };
    },
    checkImage: async (image, options) => {
      const request = await requestImageCheck(resources, image, { requestedBy: options.requestedBy, fieldManager: options.fieldManager, clock });
      return { repository: request.repository, containers: request.containers.map((ref) => ({ namespace: ref.namespace ?? '', name: ref.name })) };
    },
    scan: async (options) => await requestScan(resources, { requestedBy: options.requestedBy, fieldManager: options.fieldManager, clock }),
  };
}

export function sentinelServices(controllers: RunningControllers, resources: ResourceClient): SentinelServices {
  const { sessions, logs } = controllers.docker;
  const registryClient = controllers.registryChecks.access.client;
  // GHCR probes share the registry client (its sessions, tokens and budgets); a person asked, so the manual reserve.
  const ghcr = new GhcrAlternatives({ registry: registryClient, clock: controllers.manager.clock });
  return {
    docker: { client: (host) => sessions.get(host)?.client, logs },
    checks: registryCheckServices(resources, controllers.manager.clock),
    dependencies: dependencyGraph,
    credentials: { test: testCredentials },
    portainer: { test: testPortainerInstance },
    // Test sends read channels with the API's client: any replica can test, only the leader delivers events.
    notifications: notificationTester({ resources, clock: controllers.manager.clock }),
    ghcr: {
      check: async (candidate, options) => await ghcr.check(candidate, { purpose: 'manual', ...(options.signal === undefined ? {} : { signal: options.signal }) }),
      list: () => ghcr.list(),
    },
    tags: {
      listTags: async (image, signal) => {
        const reference = parseImageReference(image);
        return await registryClient.listTags({ registry: reference.registry, repository: reference.repository }, { purpose: 'manual', signal });
      },
    },
  };
}
