// The Swarm service calls Vigil makes, as a narrow interface beside the container client (controllers/docker/client.ts):
// the service reconciler reads services and tasks, the update writes a whole spec under its Version.Index. Shapes are
// the Engine API's own (API 1.41) where Vigil passes them back unchanged (the spec), and checked where Vigil reads them.
import type { CallOptions } from '../../domain/docker/client.ts';
import type { JsonObject } from '../../schemas/json.ts';

/** UpdateStatus.State: all six of api/types/swarm/service.go (the swagger enum lists only the first three). */
export const UPDATE_STATES = ['updating', 'paused', 'completed', 'rollback_started', 'rollback_paused', 'rollback_completed'] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

export interface UpdateStatus {
  state: UpdateState;
  startedAt?: string;
  completedAt?: string;
  message?: string;
}

export interface ServiceInspect {
  id: string;
  name: string;
  /** Meta.Version.Index: ServiceUpdate must carry it, a stale one is refused as out of sequence. */
  version: number;
  /** The whole ServiceSpec, verbatim: an update sends it back with only the image and rollout settings changed. */
  spec: JsonObject;
  previousSpec?: JsonObject;
  /** Absent after a normal update until the updater starts, and forever when no task was dirty. */
  updateStatus?: UpdateStatus;
  /** Only from listServices (status=true). */
  serviceStatus?: { runningTasks: number; desiredTasks: number };
}

export interface TaskSummary {
  id: string;
  serviceID: string;
  nodeID: string;
  slot?: number;
  /** Status.State: new … running, complete, shutdown, failed, rejected, remove, orphaned. */
  state: string;
  desiredState: string;
  /** Spec.ContainerSpec.Image of the task (`repo:tag@sha256:…` when pinned). */
  image: string;
  error?: string;
  updatedAt?: string;
}

export interface ServiceUpdateOptions extends CallOptions {
  /** Version.Index of the inspect the spec was read from. */
  version: number;
  spec: JsonObject;
  /** The X-Registry-Auth document; without it the engine keeps the auth stored with the current spec. */
  registryAuth?: { username: string; password: string; serveraddress: string };
  /** `rollback=previous`: Swarm swaps Spec and PreviousSpec itself (the body is ignored but must be valid). */
  rollbackToPrevious?: boolean;
}

export interface SwarmServiceApi {
  /** DockerError NotFound when there is no such service. */
  inspectService(idOrName: string, options: CallOptions): Promise<ServiceInspect>;
  /** Every service, with ServiceStatus. */
  listServices(options: CallOptions): Promise<ServiceInspect[]>;
  /** The tasks of one service (all desired states: a failed task carries the error a rollout stops on). */
  listTasks(serviceID: string, options: CallOptions): Promise<TaskSummary[]>;
  /** The swarm's nodes (names and addresses for the task views). */
  listNodes(options: CallOptions): Promise<NodeSummary[]>;
  /** DockerError Conflict on a stale version ("update out of sequence"). Returns the engine's warnings. */
  updateService(id: string, options: ServiceUpdateOptions): Promise<string[]>;
}

export interface NodeSummary {
  id: string;
  hostname: string;
  /** Status.Addr. */
  addr: string;
}
