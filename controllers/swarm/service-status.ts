// The live part of a SwarmService's status, computed from one read of the service, its tasks and the nodes.
import type { SwarmServiceStatus } from '../../schemas/generated/types.ts';
import type { NodeSummary, ServiceInspect, TaskSummary } from './service-api.ts';
import { digestOf, serviceImage, serviceMode, withoutDigest } from './service-spec.ts';

type LiveStatus = Pick<SwarmServiceStatus, 'serviceID' | 'clusterID' | 'host' | 'image' | 'digest' | 'mode' | 'replicas' | 'desiredTasks' | 'runningTasks' | 'tasks' | 'labels' | 'updateStatus'>;

/** Tasks worth showing: those meant to run, and the last failures (what a rollout stopped on). */
const MAX_TASKS = 50;

export function liveStatus(service: ServiceInspect, tasks: readonly TaskSummary[], nodes: readonly NodeSummary[], where: { clusterID: string; host: string }): LiveStatus {
  const image = serviceImage(service.spec);
  const digest = digestOf(image);
  const { mode, replicas } = serviceMode(service.spec);
  const byNode = new Map(nodes.map((node) => [node.id, node]));
  const shown = [...tasks]
    .filter((task) => task.desiredState === 'running' || task.error !== undefined)
    .sort((a, b) => ((a.updatedAt ?? '') < (b.updatedAt ?? '') ? 1 : -1))
    .slice(0, MAX_TASKS);
  const running = tasks.filter((task) => task.desiredState === 'running' && task.state === 'running').length;
  const desired = service.serviceStatus?.desiredTasks ?? (replicas ?? tasks.filter((task) => task.desiredState === 'running').length);
  const labels = service.spec.Labels;
  return {
    serviceID: service.id,
    clusterID: where.clusterID,
    host: where.host,
    image: withoutDigest(image),
    ...(digest === undefined ? {} : { digest }),
    mode,
    ...(replicas === undefined ? {} : { replicas }),
    desiredTasks: desired,
    runningTasks: service.serviceStatus?.runningTasks ?? running,
    tasks: shown.map((task) => {
      const node = byNode.get(task.nodeID);
      return {
        id: task.id,
        ...(task.nodeID === '' ? {} : { nodeID: task.nodeID }),
        ...(node === undefined ? {} : { nodeName: node.hostname, nodeAddr: node.addr }),
        ...(task.slot === undefined ? {} : { slot: task.slot }),
        state: task.state,
        desiredState: task.desiredState,
        image: task.image,
        ...(task.error === undefined ? {} : { error: task.error }),
      };
    }),
    labels: typeof labels === 'object' && labels !== null && !Array.isArray(labels)
      ? Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string'))
      : {},
    ...(service.updateStatus === undefined ? {} : { updateStatus: service.updateStatus }),
  };
}
