// POST /api/portainer/instances/{id}/test, for the REST facade (cli/sentinel-services.ts): the same two calls the
// portainer controller makes, once, with the key and TLS trust the facade read from the instance's Secrets.
import type { PortainerTester } from '../../apiserver/sentinel/context.ts';
import { PortainerClient } from './portainer-client.ts';

const TEST_TIMEOUT_MS = 30_000;

export const testPortainerInstance: PortainerTester['test'] = async (target, options) => {
  const client = new PortainerClient(target);
  const signal = AbortSignal.any([AbortSignal.timeout(TEST_TIMEOUT_MS), ...(options.signal === undefined ? [] : [options.signal])]);
  try {
    const version = await client.version(signal);
    const endpoints = await client.endpoints(signal);
    return { version, endpoints: endpoints.map(({ id, name, url, type, status }) => ({ id, name, url, type, status })) };
  } finally {
    client.close();
  }
};
