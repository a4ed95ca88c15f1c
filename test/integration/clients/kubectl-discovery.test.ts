// kubectl 1.20 against `vigil serve`: what it learns from discovery and /openapi/v2 alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kubectl } from '../../testbed/kubectl.ts';
import { startVigil, type VigilServer } from '../../testbed/vigil.ts';
import { vigilKinds } from '../../../schemas/index.ts';

let server: VigilServer;
let kubectl: Kubectl;

before(async () => {
  server = await startVigil();
  kubectl = new Kubectl(server.kubeconfig);
});

after(async () => {
  await kubectl.close();
  await server.stop();
});

test('kubectl api-resources lists every kind with its short names, group and scope', async () => {
  const output = await kubectl.ok(['api-resources']);
  const lines = output.trim().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/);
  for (const kind of vigilKinds) {
    const line = lines.find((candidate) => candidate.startsWith(`${kind.plural} `));
    assert.ok(line, `${kind.plural} is listed`);
    assert.match(line, new RegExp(`\\s${kind.shortNames.join(',')}\\s+vigil\\.dev/v1alpha1\\s+${kind.namespaced}\\s+${kind.kind}$`));
  }
  assert.match(output, /^secrets\s+v1\s+true\s+Secret$/m);
  const vigilOnly = await kubectl.ok(['api-resources', '--api-group', 'vigil.dev', '-o', 'name']);
  assert.equal(vigilOnly.trim().split('\n').length, vigilKinds.length);
});

test('kubectl explain reads field documentation from the protobuf /openapi/v2', async () => {
  const output = await kubectl.ok(['explain', 'containers.spec.policy']);
  assert.match(output, /KIND:\s+Container/);
  assert.match(output, /VERSION:\s+vigil\.dev\/v1alpha1/);
  assert.match(output, /FIELD:\s+policy <string>/);
});

test('kubectl validates manifests on the client side: an unknown field and a wrong type are refused before anything is sent', async () => {
  const manifest = join(server.dataDir, 'bad.yaml');
  writeFileSync(manifest, [
    'apiVersion: vigil.dev/v1alpha1',
    'kind: Container',
    'metadata: {name: web, namespace: local}',
    'spec: {hostRef: local, policy: auto, polcy: manual, dependsOn: db}',
  ].join('\n'));
  const result = await kubectl.run(['apply', '-f', manifest]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error validating data: .*unknown field "polcy" in dev\.vigil\.v1alpha1\.Container\.spec/);
  assert.match(result.stderr, /invalid type for dev\.vigil\.v1alpha1\.Container\.spec\.dependsOn: got "string", expected "array"/);
  assert.match(result.stderr, /--validate=false/);
});
