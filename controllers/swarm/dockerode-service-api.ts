// SwarmServiceApi over the modem of a DockerodeClient (one connection pool per engine, as the update calls share it).
// The answers are checked as they are read: the engine is outside the process.
import type DockerModem from 'docker-modem';
import { DockerError, type CallOptions, type DockerClient } from '../../domain/docker/client.ts';
import { DockerodeClient } from '../docker/dockerode-client.ts';
import { toDockerError } from '../docker/errors.ts';
import { isRecord } from '../docker/responses.ts';
import { isJsonObject, type JsonObject } from '../../schemas/json.ts';
import { UPDATE_STATES, type NodeSummary, type ServiceInspect, type ServiceUpdateOptions, type SwarmServiceApi, type TaskSummary, type UpdateState, type UpdateStatus } from './service-api.ts';

interface Dial {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number>;
  body?: JsonObject;
  authBase64?: string;
  signal: AbortSignal;
  what: string;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function protocolError(what: string): DockerError {
  return new DockerError('Protocol', `the engine's answer to ${what} is not what the Docker API documents`);
}

function isUpdateState(value: unknown): value is UpdateState {
  return typeof value === 'string' && (UPDATE_STATES as readonly string[]).includes(value);
}

function updateStatusFrom(value: unknown): UpdateStatus | undefined {
  if (!isRecord(value) || !isUpdateState(value.State)) return undefined;
  const startedAt = text(value.StartedAt);
  const completedAt = text(value.CompletedAt);
  const message = text(value.Message);
  return { state: value.State, ...(startedAt === undefined ? {} : { startedAt }), ...(completedAt === undefined ? {} : { completedAt }), ...(message === undefined ? {} : { message }) };
}

export function serviceFrom(body: unknown, what: string): ServiceInspect {
  if (!isRecord(body) || typeof body.ID !== 'string' || !isJsonObject(body.Spec)) throw protocolError(what);
  const version = isRecord(body.Version) && typeof body.Version.Index === 'number' ? body.Version.Index : undefined;
  if (version === undefined) throw protocolError(what);
  const status = body.ServiceStatus;
  const updateStatus = updateStatusFrom(body.UpdateStatus);
  return {
    id: body.ID,
    name: typeof body.Spec.Name === 'string' ? body.Spec.Name : body.ID,
    version,
    spec: body.Spec,
    ...(isJsonObject(body.PreviousSpec) ? { previousSpec: body.PreviousSpec } : {}),
    ...(updateStatus === undefined ? {} : { updateStatus }),
    ...(isRecord(status) && typeof status.RunningTasks === 'number' && typeof status.DesiredTasks === 'number'
      ? { serviceStatus: { runningTasks: status.RunningTasks, desiredTasks: status.DesiredTasks } }
      : {}),
  };
}

function taskFrom(row: unknown): TaskSummary {
  if (!isRecord(row) || typeof row.ID !== 'string') throw protocolError('GET /tasks');
  const status = isRecord(row.Status) ? row.Status : {};
  const spec = isRecord(row.Spec) && isRecord(row.Spec.ContainerSpec) ? row.Spec.ContainerSpec : {};
  const error = text(status.Err);
  const updatedAt = text(row.UpdatedAt);
  return {
    id: row.ID,
    serviceID: text(row.ServiceID) ?? '',
    nodeID: text(row.NodeID) ?? '',
    ...(typeof row.Slot === 'number' ? { slot: row.Slot } : {}),
    state: text(status.State) ?? 'unknown',
    desiredState: text(row.DesiredState) ?? 'unknown',
    image: text(spec.Image) ?? '',
    ...(error === undefined ? {} : { error }),
    ...(updatedAt === undefined ? {} : { updatedAt }),
  };
}

/** base64url of the auth JSON, as the CLI encodes X-Registry-Auth. */
function encodeAuth(auth: NonNullable<ServiceUpdateOptions['registryAuth']>): string {
  return Buffer.from(JSON.stringify(auth)).toString('base64url');
}

export class DockerodeServiceApi implements SwarmServiceApi {
  readonly #modem: DockerModem;
  readonly #endpoint: string;

  constructor(options: { modem: DockerModem; endpoint: string }) {
    this.#modem = options.modem;
    this.#endpoint = options.endpoint;
  }

  async inspectService(idOrName: string, options: CallOptions): Promise<ServiceInspect> {
    const what = `inspect service ${idOrName}`;
    return serviceFrom(await this.#dial({ method: 'GET', path: `/services/${encodeURIComponent(idOrName)}`, signal: options.signal, what }), what);
  }

  async listServices(options: CallOptions): Promise<ServiceInspect[]> {
    const rows = await this.#dial({ method: 'GET', path: '/services', query: { status: 'true' }, signal: options.signal, what: 'list services' });
    if (!Array.isArray(rows)) throw protocolError('GET /services');
    return rows.map((row) => serviceFrom(row, 'GET /services'));
  }

  async listTasks(serviceID: string, options: CallOptions): Promise<TaskSummary[]> {
    const query = { filters: JSON.stringify({ service: [serviceID] }) };
    const rows = await this.#dial({ method: 'GET', path: '/tasks', query, signal: options.signal, what: `list tasks of service ${serviceID}` });
    if (!Array.isArray(rows)) throw protocolError('GET /tasks');
    return rows.map(taskFrom);
  }

  async listNodes(options: CallOptions): Promise<NodeSummary[]> {
    const rows = await this.#dial({ method: 'GET', path: '/nodes', signal: options.signal, what: 'list nodes' });
    if (!Array.isArray(rows)) throw protocolError('GET /nodes');
    return rows.map((row: unknown) => {
      if (!isRecord(row) || typeof row.ID !== 'string') throw protocolError('GET /nodes');
      const description = isRecord(row.Description) ? row.Description : {};
      const status = isRecord(row.Status) ? row.Status : {};
      return { id: row.ID, hostname: text(description.Hostname) ?? row.ID, addr: text(status.Addr) ?? '' };
    });
  }

  async updateService(id: string, options: ServiceUpdateOptions): Promise<string[]> {
    const query: Record<string, string | number> = { version: options.version, ...(options.rollbackToPrevious === true ? { rollback: 'previous' } : {}) };
    const answer = await this.#dial({
      method: 'POST',
      path: `/services/${encodeURIComponent(id)}/update`,
      query,
      body: options.spec,
      ...(options.registryAuth === undefined ? {} : { authBase64: encodeAuth(options.registryAuth) }),
      signal: options.signal,
      what: `update service ${id}`,
    });
    const warnings = isRecord(answer) && Array.isArray(answer.Warnings) ? answer.Warnings : [];
    return warnings.filter((warning): warning is string => typeof warning === 'string');
  }

  #dial(request: Dial): Promise<unknown> {
    const context = `${request.what} on ${this.#endpoint}`;
    if (request.signal.aborted) return Promise.reject(new DockerError('Aborted', `${context}: aborted`));
    return new Promise((resolve, reject) => {
      this.#modem.dial(
        {
          path: `${request.path}?`,
          method: request.method,
          // docker-modem puts `_query` in the URL and `_body` in the request body.
          options: { _query: { ...request.query }, ...(request.body === undefined ? {} : { _body: request.body }) },
          ...(request.authBase64 === undefined ? {} : { authconfig: { base64: request.authBase64 } }),
          isStream: false,
          statusCodes: { 200: true, 201: true, 204: true, 400: 'bad request', 404: 'not found', 409: 'conflict', 500: 'server error', 503: 'unavailable' },
          abortSignal: request.signal,
        },
        (error, result) => {
          if (error === null) {
            if (!Buffer.isBuffer(result)) resolve(result);
            else if (result.length === 0) resolve(undefined);
            else {
              try {
                resolve(JSON.parse(result.toString('utf8')));
              } catch (parseError) {
                reject(new DockerError('Protocol', `${context}: the answer is not JSON`, { cause: parseError }));
              }
            }
            return;
          }
          const mapped = toDockerError(error, context, request.signal);
          // Swarmkit says a stale Version.Index as a plain error (HTTP 500 on 20.10): it is a conflict all the same.
          if (mapped.code === 'EngineError' && /out of sequence/i.test(mapped.message)) {
            reject(new DockerError('Conflict', mapped.message, { ...(mapped.statusCode === undefined ? {} : { statusCode: mapped.statusCode }), cause: error }));
          } else reject(mapped);
        },
      );
    });
  }
}

const apis = new WeakMap<DockerClient, SwarmServiceApi>();

/** The service calls over the same connection as a Host session's client, or undefined for a non-dockerode client. */
export function swarmServiceApiFor(client: DockerClient): SwarmServiceApi | undefined {
  if (!(client instanceof DockerodeClient)) return undefined;
  let api = apis.get(client);
  if (api === undefined) {
    api = new DockerodeServiceApi({ modem: client.modem, endpoint: client.endpoint });
    apis.set(client, api);
  }
  return api;
}
