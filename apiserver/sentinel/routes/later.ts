// Endpoints of the reference whose features come with later work: each answers deliberately, 501 in the error
// envelope saying what is missing.
import type { FastifyInstance } from 'fastify';
import type { HttpMethod } from '../../auth/access-table.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';

interface Later {
  method: HttpMethod;
  path: string;
  /** What is not implemented, for the message. */
  what: string;
}

const CLUSTER = 'Sentinel\'s cluster (Vigil reaches several Docker engines as Host resources: kubectl get hosts)';
const PORTAINER = 'Per-endpoint settings of a Portainer instance (enabled, blocked, force_allow: they come with the same-engine de-duplication; spec.endpoints.ids of the PortainerInstance chooses endpoints meanwhile)';
const NPM = 'the Nginx Proxy Manager integration';

export const LATER: readonly Later[] = [
  { method: 'GET', path: '/api/cluster/hosts', what: CLUSTER },
  { method: 'POST', path: '/api/cluster/enroll-token', what: CLUSTER },
  { method: 'DELETE', path: '/api/cluster/hosts/:id', what: CLUSTER },
  { method: 'POST', path: '/api/cluster/hosts/:id/revoke', what: CLUSTER },
  { method: 'POST', path: '/api/cluster/hosts/:id/pause', what: `${CLUSTER}; pausing a host is Host spec.paused` },
  { method: 'GET', path: '/api/settings/cluster', what: CLUSTER },
  { method: 'POST', path: '/api/settings/cluster', what: CLUSTER },
  { method: 'PUT', path: '/api/portainer/instances/:id/endpoints/:epid', what: PORTAINER },
  { method: 'POST', path: '/api/settings/npm-enabled', what: NPM },
  { method: 'POST', path: '/api/settings/npm-url', what: NPM },
  { method: 'POST', path: '/api/settings/npm-credentials', what: NPM },
  { method: 'POST', path: '/api/settings/npm-test', what: NPM },
  { method: 'POST', path: '/api/settings/npm-sync', what: NPM },
  { method: 'GET', path: '/api/settings/npm-mappings', what: NPM },
];

export async function laterRoutes(app: FastifyInstance, _context: SentinelContext): Promise<void> {
  for (const later of LATER) {
    app.route({
      method: later.method,
      url: later.path,
      handler: async () => {
        throw restErrors.notImplemented(later.what);
      },
    });
  }
  // A sign-in page asks whether to offer these: truthfully not (yet).
}
