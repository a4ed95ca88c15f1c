// delete and deletecollection, with DeleteOptions from the body or the query.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeleteOptions } from '../client.ts';
import { errors } from '../errors.ts';
import { isRecord } from '../object-rules.ts';
import { maskSecret } from '../secrets.ts';
import { decodeBody, objectFormat } from './request-body.ts';
import { all, booleanParam, dryRunParam, single } from './query.ts';
import type { Target } from './targets.ts';
import { listQuery, query, sendJson, sendObject, type HandlerContext } from './context.ts';

function deleteOptions(request: FastifyRequest): DeleteOptions {
  // DeleteOptions come from the body when there is one, else from the query (kube-apiserver handlers/delete.go).
  const decoded = decodeBody(request.body, objectFormat(request.headers['content-type']));
  const q = query(request);
  const source: Record<string, unknown> = decoded === undefined
    ? {
      propagationPolicy: single(q, 'propagationPolicy'),
      orphanDependents: booleanParam(q, 'orphanDependents'),
      dryRun: all(q, 'dryRun'),
    }
    : isRecord(decoded) ? decoded : {};
  if (decoded !== undefined && !isRecord(decoded)) throw errors.badRequest('DeleteOptions must be a JSON object');
  const causes = [];
  const policy = source.propagationPolicy;
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground') {
    causes.push({ field: 'propagationPolicy', reason: 'FieldValueNotSupported' as const, message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"` });
  }
  const orphan = source.orphanDependents;
  if (orphan !== undefined && orphan !== null && policy !== undefined) {
    causes.push({ field: 'propagationPolicy', reason: 'FieldValueInvalid' as const, message: `Invalid value: ${JSON.stringify(policy)}: orphanDependents and deletionPropagation cannot be both set` });
  }
  if (causes.length > 0) throw errors.invalidOptions('DeleteOptions', causes);
  const dryRun = dryRunParam(Array.isArray(source.dryRun) ? source.dryRun.map(String) : [], 'DeleteOptions');
  const preconditions = isRecord(source.preconditions) ? source.preconditions : {};
  const options: DeleteOptions = { dryRun };
  if (typeof policy === 'string') options.propagationPolicy = policy as DeleteOptions['propagationPolicy'] & string;
  else if (orphan === true) options.propagationPolicy = 'Orphan';
  const uid = typeof preconditions.uid === 'string' ? preconditions.uid : undefined;
  const resourceVersion = typeof preconditions.resourceVersion === 'string' ? preconditions.resourceVersion : undefined;
  if (uid !== undefined || resourceVersion !== undefined) {
    options.preconditions = { ...(uid === undefined ? {} : { uid }), ...(resourceVersion === undefined ? {} : { resourceVersion }) };
  }
  return options;
}

export async function deleteHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const deleted = await context.resources.delete(target.kind.kind, target.namespace, target.name ?? '', deleteOptions(request));
  return sendObject(context, request, reply, 200, target, deleted);
}

export async function deleteCollectionHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const options = deleteOptions(request);
  const { labelSelector, fieldSelector, namespace } = listQuery(target, request);
  const deleted = await context.resources.deleteCollection(target.kind.kind, {
    ...(namespace === undefined ? {} : { namespace }),
    ...(labelSelector === undefined ? {} : { labelSelector }),
    ...(fieldSelector === undefined ? {} : { fieldSelector }),
  }, options);
  return sendJson(reply, 200, { ...deleted, items: deleted.items.map((item) => maskSecret(item)) });
}
