// A Host's status from its session: what the engine is, whether it is reachable, how many containers it has, and
// the conditions Connected and Ready. Pure: the same session state gives the same status, so a pass with nothing new
// writes nothing. Engine facts stay while the engine is away (the last known version is still worth showing).
import type { HostStatus } from '../../schemas/generated/types.ts';
import { setCondition, timestamp, type ConditionUpdate } from '../runtime/index.ts';
import type { SessionSnapshot } from './host-session.ts';

export interface HostStatusInput {
  previous: HostStatus | undefined;
  generation: number | undefined;
  now: number;
  /** The session's state; undefined when the Host cannot be connected as specified (see configError). */
  session: SessionSnapshot | undefined;
  /** Endpoint shown when there is no session. */
  endpoint: string;
  configError?: { reason: string; message: string };
}

function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

function connectedCondition(input: HostStatusInput): ConditionUpdate {
  const { session, configError } = input;
  if (configError !== undefined) return { type: 'Connected', status: 'False', reason: configError.reason, message: configError.message };
  if (session === undefined || session.phase === 'Stopped') return { type: 'Connected', status: 'Unknown', reason: 'NotStarted', message: 'no connection is open' };
  if (session.phase === 'Connected') return { type: 'Connected', status: 'True', reason: 'Connected', message: `connected to ${session.endpoint}` };
  if (session.phase === 'Connecting' && session.lastError === undefined) return { type: 'Connected', status: 'Unknown', reason: 'Connecting', message: `connecting to ${session.endpoint}` };
  const retry = session.retryAt === undefined ? '' : `; retrying at ${timestamp(session.retryAt)}`;
  return { type: 'Connected', status: 'False', reason: 'EngineUnreachable', message: `${session.lastError ?? 'not connected'}${retry}` };
}

function readyCondition(input: HostStatusInput, connected: ConditionUpdate): ConditionUpdate {
  if (connected.status === 'True' && input.session?.counts !== undefined) {
    return { type: 'Ready', status: 'True', reason: 'InSync', message: 'containers are discovered and followed through the event stream' };
  }
  return { type: 'Ready', status: connected.status === 'Unknown' ? 'Unknown' : 'False', reason: 'NotConnected', message: connected.message ?? '' };
}

export function hostStatus(input: HostStatusInput): HostStatus {
  const { previous, session, now, generation } = input;
  const engine = session?.engine;
  const connected = connectedCondition(input);
  const ready = readyCondition(input, connected);
  let conditions = setCondition(previous?.conditions, { ...connected, observedGeneration: generation }, now);
  conditions = setCondition(conditions, { ...ready, observedGeneration: generation }, now);
  const counts = session?.counts;
  const keep = <K extends keyof HostStatus>(key: K): HostStatus[K] => previous?.[key];
  return defined({
    observedGeneration: generation,
    endpoint: session?.endpoint ?? input.endpoint,
    reachable: session?.phase === 'Connected',
    engineVersion: engine?.engineVersion ?? keep('engineVersion'),
    apiVersion: engine?.apiVersion ?? keep('apiVersion'),
    engineID: engine?.engineID ?? keep('engineID'),
    hostname: engine?.hostname ?? keep('hostname'),
    os: engine?.os ?? keep('os'),
    arch: engine?.arch ?? keep('arch'),
    swarm: engine?.swarm ?? keep('swarm'),
    containers: counts ?? keep('containers'),
    lastError: input.configError?.message ?? session?.lastError,
    lastConnected: session?.lastConnected === undefined ? keep('lastConnected') : timestamp(session.lastConnected),
    lastResync: session?.lastResync === undefined ? keep('lastResync') : timestamp(session.lastResync),
    conditions,
  });
}
