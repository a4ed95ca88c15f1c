// The client-node object API the commands use, set up to hand back the server's JSON as sent. client-node turns
// objects of kinds it does not know into its own classes (timestamps become Dates, unknown list fields go), which
// would make `-o yaml` print something other than what the server holds; registering our kinds with a pass-through
// serializer (its documented hook for custom resources) keeps them plain.
import {
  createConfiguration,
  KubernetesObjectApi,
  ServerConfiguration,
  setHeaderMiddleware,
  type KubeConfig,
} from '@kubernetes/client-node';
// Not re-exported by the package index, but the class the object API deserializes with (the package has no
// "exports" map, so the path is reachable); registerModel is its documented extension point.
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { resourceKinds } from '../../schemas/index.ts';

/** What kubectl sends for human output: a server-side Table, else the plain object or list. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

const passThrough = {
  serialize: (data: unknown) => data,
  deserialize: (data: unknown) => data,
};

let registered = false;
function registerPlainModels(): void {
  if (registered) return;
  registered = true;
  for (const kind of resourceKinds) {
    for (const name of [kind.kind, kind.listKind]) ObjectSerializer.registerModel({ group: kind.group, version: kind.version, kind: name }, passThrough);
  }
  ObjectSerializer.registerModel({ group: 'meta.k8s.io', version: 'v1', kind: 'Table' }, passThrough);
}

export interface ObjectApiOptions {
  /** Ask for Table output (`get` without -o). */
  table?: boolean;
}

export function objectApi(config: KubeConfig, options: ObjectApiOptions = {}): KubernetesObjectApi {
  registerPlainModels();
  if (options.table !== true) return KubernetesObjectApi.makeApiClient(config);
  const cluster = config.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  // The object API sets its own Accept on every request; a middleware runs after that and can replace it.
  return new KubernetesObjectApi(createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    middleware: [setHeaderMiddleware('Accept', TABLE_ACCEPT)],
  }));
}
