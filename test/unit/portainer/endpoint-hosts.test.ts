// The pure parts of the Portainer integration: which endpoints become Hosts and how a Host reaches its engine
// through the proxy (names, URL, state, ownership), and how a Host's spec.portainer becomes a session configuration.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endpointHostName, planEndpoints, proxyURL } from '../../../controllers/portainer/endpoint-hosts.ts';
import { HostConfigError, referencedSecrets, sessionConfig } from '../../../controllers/hosts/host-config.ts';
import { normalisePin } from '../../../controllers/docker/proxy-agent.ts';
import type { Host, PortainerInstance, Secret } from '../../../schemas/generated/types.ts';
import type { PortainerEndpoint } from '../../../controllers/portainer/portainer-client.ts';

const instance: PortainerInstance = {
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'PortainerInstance',
  metadata: { name: 'office' },
  spec: { url: 'https://portainer.example.com:9443/', apiKeySecretRef: { name: 'ptr', key: 'apiKey' }, tls: { pinnedSha256: 'AB'.repeat(32) } },
};

const endpoint = (id: number, type: number, extra: Partial<PortainerEndpoint> = {}): PortainerEndpoint => ({ id, name: `ep${id}`, type, url: '', status: 1, edgeAsync: false, ...extra });

describe('planEndpoints', () => {
  it('makes a Host for each Docker endpoint (types 1, 2, 4) and lists the others as skipped', () => {
    const plan = planEndpoints(instance, 'uid-1', [endpoint(5, 5), endpoint(2, 2, { status: 2 }), endpoint(1, 1), endpoint(4, 4, { edgeAsync: true }), endpoint(3, 3)]);
    assert.deepEqual(plan.hosts.map((host) => [host.metadata.name, host.spec?.portainer?.state]), [
      ['portainer-office-1', 'up'], ['portainer-office-2', 'down'], ['portainer-office-4', 'edgeAsync'],
    ]);
    assert.deepEqual(plan.statuses.map((row) => [row.id, row.hostRef ?? row.skipped]), [
      [1, 'portainer-office-1'], [2, 'portainer-office-2'], [3, 'not a Docker endpoint (type 3)'], [4, 'portainer-office-4'], [5, 'not a Docker endpoint (type 5)'],
    ]);
    const [first] = plan.hosts;
    assert.equal(first?.spec?.portainer?.url, 'https://portainer.example.com:9443/api/endpoints/1/docker');
    assert.deepEqual(first?.spec?.portainer?.tls, instance.spec.tls);
    assert.deepEqual(first?.metadata.ownerReferences, [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'PortainerInstance', name: 'office', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(first?.spec?.dockerHost, undefined);
  });

  it('leaves out endpoints not in spec.endpoints.ids, and is the same plan twice', () => {
    const only = { ...instance, spec: { ...instance.spec, endpoints: { ids: [2] } } };
    const endpoints = [endpoint(1, 1), endpoint(2, 2)];
    const plan = planEndpoints(only, 'u', endpoints);
    assert.deepEqual(plan.hosts.map((host) => host.metadata.name), ['portainer-office-2']);
    assert.equal(plan.statuses[0]?.skipped, 'not in spec.endpoints.ids');
    assert.deepEqual(planEndpoints(only, 'u', [...endpoints].reverse()), plan);
  });

  it('keeps Host names DNS-1123 labels for long instance names', () => {
    const name = endpointHostName('a'.repeat(63), 12345);
    assert.ok(name.length <= 63, name);
    assert.match(name, /^portainer-a+-12345$/);
    assert.equal(proxyURL('http://p:9000//', 3), 'http://p:9000/api/endpoints/3/docker');
  });
});

describe('a Host behind a Portainer proxy', () => {
  const secrets = new Map<string, Secret>([['vigil-system/ptr', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ptr', namespace: 'vigil-system' }, stringData: { apiKey: 'ptr_secret' } }]]);
  const lookup = (namespace: string, name: string): Secret | undefined => secrets.get(`${namespace}/${name}`);
  const host = (state: 'up' | 'down' | 'edgeAsync' | undefined, extra: Partial<NonNullable<Host['spec']>> = {}): Host => {
    const [planned] = planEndpoints(instance, 'u', [endpoint(1, 1)]).hosts;
    const portainer = planned?.spec?.portainer;
    assert.ok(portainer !== undefined);
    return { ...planned, metadata: { name: 'h' }, spec: { portainer: { ...portainer, ...(state === undefined ? {} : { state }) }, ...extra } } as Host;
  };

  it('is a session on the proxy URL with the key from its Secret and the instance\'s TLS trust', () => {
    const config = sessionConfig(host('up'), 'unix:///var/run/docker.sock', lookup);
    assert.deepEqual(config.endpoint, {
      url: 'https://portainer.example.com:9443/api/endpoints/1/docker',
      portainer: { apiKey: 'ptr_secret', tls: { pinnedSha256: 'AB'.repeat(32) } },
    });
    assert.ok(!config.fingerprint.includes('ptr_secret'));
    assert.deepEqual(referencedSecrets(host('up')), ['vigil-system/ptr']);
  });

  it('opens no session for a down or async Edge endpoint, and refuses dockerHost beside portainer', () => {
    assert.throws(() => sessionConfig(host('down'), 'unix:///x', lookup), (error: unknown) => error instanceof HostConfigError && error.reason === 'EndpointDown');
    assert.throws(() => sessionConfig(host('edgeAsync'), 'unix:///x', lookup), (error: unknown) => error instanceof HostConfigError && error.reason === 'EdgeAsync');
    assert.throws(() => sessionConfig(host('up', { dockerHost: 'tcp://a:2375' }), 'unix:///x', lookup), (error: unknown) => error instanceof HostConfigError && error.reason === 'InvalidEndpoint');
    assert.throws(() => sessionConfig(host('up'), 'unix:///x', () => undefined), (error: unknown) => error instanceof HostConfigError && error.reason === 'SecretNotFound' && !error.message.includes('ptr_secret'));
  });

  it('compares pins without colons and case', () => {
    assert.equal(normalisePin('AB:cd:01'), 'abcd01');
  });
});
