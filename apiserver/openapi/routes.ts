// /openapi/v2 (protobuf for kubectl, JSON for people and tools) and /openapi/v3 (index and group documents).
// Every document is generated and encoded once, when the plugin registers: the kinds never change while the
// server runs, and kubectl fetches /openapi/v2 on every apply.
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resourceKinds, type ResourceKind } from '../../schemas/index.ts';
import { encodeOpenAPIV2 } from './gnostic.ts';
import { openapiV2Document } from './v2-document.ts';
import { openapiV3Documents } from './v3-documents.ts';

export interface OpenAPIOptions {
  /** The kinds to describe. Default: every kind in schemas/. */
  kinds?: readonly ResourceKind[];
}

/**
 * What kube-apiserver answers with (note `.v1.0`): clients ask with `@v1.0` in Accept, and client-go reads the
 * body whatever the type says, but some tools compare this exact type.
 */
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

type Representation = 'json' | 'protobuf' | 'none';

/** The representation an Accept header asks for: gnostic protobuf when named, JSON for JSON, wildcards or nothing. */
function negotiate(accept: string | undefined, protobufName: string | undefined): Representation {
  if (accept === undefined || accept.trim() === '') return 'json';
  const types = accept.split(',').map((part) => (part.split(';')[0] ?? '').trim().toLowerCase());
  for (const type of types) {
    if (protobufName !== undefined && type.startsWith(protobufName)) return 'protobuf';
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
  }
  return 'none';
}

function notAcceptable(reply: FastifyReply, offered: string): FastifyReply {
  return reply.code(406).type('application/json').send(JSON.stringify({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotAcceptable', code: 406,
    message: `only the following media types are accepted: ${offered}`,
  }));
}

/** A document encoded once, plain and gzipped (kubectl, like every Go client, accepts gzip; it is ~6x smaller). */
interface Encoded {
  plain: Buffer;
  gzipped: Buffer;
}

function encoded(body: string | Uint8Array): Encoded {
  const plain = Buffer.from(body);
  return { plain, gzipped: gzipSync(plain) };
}

function sendEncoded(request: FastifyRequest, reply: FastifyReply, type: string, body: Encoded): FastifyReply {
  reply.type(type).header('vary', 'Accept-Encoding');
  const acceptEncoding = request.headers['accept-encoding'];
  if (typeof acceptEncoding === 'string' && /\bgzip\b/.test(acceptEncoding)) return reply.header('content-encoding', 'gzip').send(body.gzipped);
  return reply.send(body.plain);
}

/** Answers 304 when the client already holds this version of the document. */
function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  reply.header('etag', etag);
  return request.headers['if-none-match'] === etag;
}

export async function openapiRoutes(app: FastifyInstance, options: OpenAPIOptions): Promise<void> {
  const kinds = options.kinds ?? resourceKinds;
  const v2 = openapiV2Document(kinds);
  const v2Json = encoded(JSON.stringify(v2));
  const v2Protobuf = encoded(encodeOpenAPIV2(v2));
  const v3 = openapiV3Documents(kinds);
  const v3Groups = v3.groups.map((group) => ({ ...group, body: encoded(group.json) }));

  app.get('/openapi/v2', async (request, reply) => {
    switch (negotiate(request.headers.accept, 'application/com.github.proto-openapi.spec.v2')) {
      case 'protobuf':
        return sendEncoded(request, reply, OPENAPI_V2_PROTOBUF, v2Protobuf);
      case 'json':
        return sendEncoded(request, reply, 'application/json', v2Json);
      case 'none':
        return notAcceptable(reply, `application/json, ${OPENAPI_V2_PROTOBUF}`);
    }
  });

  app.get('/openapi/v3', async (request, reply) => {
    if (negotiate(request.headers.accept, undefined) === 'none') return notAcceptable(reply, 'application/json');
    return reply.type('application/json').send(v3.index);
  });

  for (const group of v3Groups) {
    app.get(`/openapi/v3/${group.path}`, async (request, reply) => {
      if (negotiate(request.headers.accept, undefined) === 'none') return notAcceptable(reply, 'application/json');
      const etag = `"${group.hash}"`;
      if (notModified(request, reply, etag)) return reply.code(304).send();
      // A request that names the current hash may keep the answer for good, as kube-apiserver allows.
      const query = request.query as Record<string, unknown>;
      reply.header('cache-control', query.hash === group.hash ? 'public, immutable, max-age=31536000' : 'no-cache, private');
      return sendEncoded(request, reply, 'application/json', group.body);
    });
  }
}
