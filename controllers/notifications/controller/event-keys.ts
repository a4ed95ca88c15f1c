// The notification events controller's keys name the resource an event comes from: `record:NS/NAME` for an
// UpdateRecord, `container:NS/NAME` for a Container, `service:NAME` for a SwarmService (cluster-scoped); one queue
// serves all three, in the order their changes arrived.
import { keyOf, splitKey } from '../../runtime/index.ts';

export type EventSource = { kind: 'UpdateRecord' | 'Container' | 'SwarmService'; namespace: string | undefined; name: string };

const PREFIXES = { UpdateRecord: 'record:', Container: 'container:', SwarmService: 'service:' } as const;

export function eventSourceKey(kind: EventSource['kind'], object: { metadata: { namespace?: string | undefined; name?: string | undefined } }): string | undefined {
  const name = object.metadata.name;
  if (name === undefined) return undefined;
  return `${PREFIXES[kind]}${keyOf({ namespace: object.metadata.namespace, name })}`;
}

export function parseEventSourceKey(key: string): EventSource {
  for (const kind of ['UpdateRecord', 'Container', 'SwarmService'] as const) {
    if (key.startsWith(PREFIXES[kind])) return { kind, ...splitKey(key.slice(PREFIXES[kind].length)) };
  }
  throw new Error(`not a notification event key: ${JSON.stringify(key)}`);
}

/** The lister key ("NS/NAME") of a source. */
export function objectKeyOf(source: EventSource): string {
  return keyOf({ namespace: source.namespace, name: source.name });
}
