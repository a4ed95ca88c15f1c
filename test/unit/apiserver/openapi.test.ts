import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { parse } from 'yaml';
import { openapiRoutes, OPENAPI_V2_PROTOBUF } from '../../../apiserver/openapi/routes.ts';
import { documentType } from '../../../apiserver/openapi/gnostic-types.ts';
import { vigilKinds } from '../../../schemas/index.ts';

async function openapi() {
  const app = Fastify();
  await app.register(openapiRoutes, {});
  return app;
}

const ITEM_PATH = '/apis/vigil.dev/v1alpha1/namespaces/{namespace}/containers/{name}';
const PROTOBUF_ACCEPT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

interface Named<T> {
  name: string;
  value: T;
}
interface DecodedSchema {
  type?: { value: string[] };
  properties?: { additionalProperties: Named<DecodedSchema>[] };
  vendorExtension?: Named<{ yaml: string }>[];
}
interface DecodedDocument {
  swagger: string;
  definitions: { additionalProperties: Named<DecodedSchema>[] };
  paths: { path: Named<{ patch?: { parameters: { parameter?: { nonBodyParameter?: { queryParameterSubSchema?: { name: string } } } }[]; vendorExtension: Named<{ yaml: string }>[] } }>[] };
}

test('/openapi/v2 answers gnostic protobuf to kubectl\'s Accept, with every kind and its group-version-kind', async () => {
  const app = await openapi();
  const response = await app.inject({ url: '/openapi/v2', headers: { accept: PROTOBUF_ACCEPT } });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], OPENAPI_V2_PROTOBUF);
  const document = documentType.toObject(documentType.decode(response.rawPayload), { longs: Number }) as DecodedDocument;
  assert.equal(document.swagger, '2.0');
  const definitions = new Map(document.definitions.additionalProperties.map((entry) => [entry.name, entry.value]));
  for (const kind of vigilKinds) assert.ok(definitions.has(`dev.vigil.v1alpha1.${kind.kind}`), kind.kind);
  const container = definitions.get('dev.vigil.v1alpha1.Container');
  const gvk = container?.vendorExtension?.find((extension) => extension.name === 'x-kubernetes-group-version-kind');
  assert.deepEqual(parse(gvk?.value.yaml ?? ''), [{ group: 'vigil.dev', kind: 'Container', version: 'v1alpha1' }]);
  const spec = container?.properties?.additionalProperties.find((entry) => entry.name === 'spec')?.value;
  const dependsOn = spec?.properties?.additionalProperties.find((entry) => entry.name === 'dependsOn')?.value;
  assert.deepEqual(dependsOn?.type?.value, ['array']);

  // kubectl 1.20 allows --dry-run=server only when the PATCH of the kind's path lists dryRun.
  const item = document.paths.path.find((path) => path.name === ITEM_PATH)?.value;
  const names = item?.patch?.parameters.map((parameter) => parameter.parameter?.nonBodyParameter?.queryParameterSubSchema?.name);
  assert.ok(names?.includes('dryRun') && names.includes('fieldValidation'));
  const operationGvk = item?.patch?.vendorExtension.find((extension) => extension.name === 'x-kubernetes-group-version-kind');
  assert.deepEqual(parse(operationGvk?.value.yaml ?? ''), { group: 'vigil.dev', kind: 'Container', version: 'v1alpha1' });
});

test('/openapi/v2 answers JSON when asked for JSON, and 406 for a type it cannot produce', async () => {
  const app = await openapi();
  const response = await app.inject({ url: '/openapi/v2', headers: { accept: 'application/json' } });
  assert.equal(response.statusCode, 200);
  const document = response.json();
  assert.equal(document.swagger, '2.0');
  const spec = document.definitions['dev.vigil.v1alpha1.Container'].properties.spec;
  assert.equal(spec.properties.dependsOn.type, 'array');
  assert.equal(document.definitions['dev.vigil.v1alpha1.Container'].properties.metadata.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  const refused = await app.inject({ url: '/openapi/v2', headers: { accept: 'text/html' } });
  assert.equal(refused.statusCode, 406);
  assert.equal(refused.json().reason, 'NotAcceptable');
});

test('/openapi/v2 drops properties under x-kubernetes-preserve-unknown-fields, as kubectl would reject the open fields', async () => {
  const app = await openapi();
  const document = (await app.inject({ url: '/openapi/v2', headers: { accept: 'application/json' } })).json();
  const text = JSON.stringify(document.definitions);
  assert.doesNotMatch(text, /x-kubernetes-validations/);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (record['x-kubernetes-preserve-unknown-fields'] === true) assert.equal(record.properties, undefined);
      Object.values(record).forEach(walk);
    }
  };
  walk(document.definitions);
});

test('/openapi/v3 indexes each group version by hash, and the group document carries dryRun and fieldValidation on PATCH', async () => {
  const app = await openapi();
  const index = (await app.inject({ url: '/openapi/v3' })).json();
  const entry = index.paths['apis/vigil.dev/v1alpha1'];
  assert.match(entry.serverRelativeURL, /^\/openapi\/v3\/apis\/vigil\.dev\/v1alpha1\?hash=[0-9A-F]+$/);
  assert.ok(index.paths['api/v1']);
  const response = await app.inject({ url: entry.serverRelativeURL });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['cache-control']), /immutable/);
  const document = response.json();
  assert.equal(document.openapi, '3.0.0');
  const patch = document.paths[ITEM_PATH].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'vigil.dev', kind: 'Container', version: 'v1alpha1' });
  const names = patch.parameters.map((parameter: { name: string }) => parameter.name);
  assert.ok(names.includes('dryRun') && names.includes('fieldValidation') && names.includes('fieldManager'));
  assert.ok(patch.requestBody.content['application/apply-patch+yaml']);
  assert.deepEqual(document.components.schemas['dev.vigil.v1alpha1.Container']['x-kubernetes-group-version-kind'], [{ group: 'vigil.dev', kind: 'Container', version: 'v1alpha1' }]);
  const again = await app.inject({ url: '/openapi/v3/apis/vigil.dev/v1alpha1', headers: { 'if-none-match': String(response.headers.etag) } });
  assert.equal(again.statusCode, 304);
});

test('the documents are sent gzipped to clients that accept it, identical once decompressed', async () => {
  const app = await openapi();
  const plain = await app.inject({ url: '/openapi/v2', headers: { accept: PROTOBUF_ACCEPT } });
  const gzipped = await app.inject({ url: '/openapi/v2', headers: { accept: PROTOBUF_ACCEPT, 'accept-encoding': 'gzip' } });
  assert.equal(gzipped.headers['content-encoding'], 'gzip');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.ok(gzipped.rawPayload.length < plain.rawPayload.length / 3, `${gzipped.rawPayload.length} vs ${plain.rawPayload.length} bytes`);
  assert.deepEqual(gunzipSync(gzipped.rawPayload), plain.rawPayload);
});
