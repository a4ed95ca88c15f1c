// create, update (PUT, also of /status) and patch (JSON patch, merge patch, server-side apply).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WriteAdmission } from '../client.ts';
import { errors } from '../errors.ts';
import { checkIdentity, requireObjectBody } from '../object-rules.ts';
import { decodeBody, objectFormat, patchFormat } from './request-body.ts';
import { all, booleanParam, dryRunParam, explicitFieldManager, fieldManagerParam, fieldValidationParam, type OptionsKind } from './query.ts';
import type { Target } from './targets.ts';
import { query, sendObject, type HandlerContext } from './context.ts';

interface WriteParams {
  dryRun: boolean;
  fieldValidation: 'Strict' | 'Warn' | 'Ignore';
  fieldManager: string;
  warnings: string[];
  admit: WriteAdmission | undefined;
}

function writeParams(context: HandlerContext, request: FastifyRequest, optionsKind: OptionsKind): WriteParams {
  const q = query(request);
  return {
    dryRun: dryRunParam(all(q, 'dryRun'), optionsKind),
    fieldValidation: fieldValidationParam(q, optionsKind),
    fieldManager: fieldManagerParam(q, request.headers['user-agent'], optionsKind) ?? 'unknown',
    warnings: [],
    admit: context.admission?.(request),
  };
}

interface HttpWriteOptions {
  dryRun: boolean;
  fieldValidation: WriteParams['fieldValidation'];
  fieldManager: string;
  onWarning: (message: string) => void;
  maskedSecrets: true;
  admit?: WriteAdmission;
}

function writeOptions(params: WriteParams): HttpWriteOptions {
  return {
    dryRun: params.dryRun,
    fieldValidation: params.fieldValidation,
    fieldManager: params.fieldManager,
    onWarning: (message) => params.warnings.push(message),
    maskedSecrets: true,
    ...(params.admit === undefined ? {} : { admit: params.admit }),
  };
}

/** The body as an object of the target's kind, naming the target's namespace (and name); apiVersion and kind default to the path's. */
function objectBody(target: Target, request: FastifyRequest): Record<string, unknown> & { metadata: Record<string, unknown> } {
  const decoded = decodeBody(request.body, objectFormat(request.headers['content-type']));
  if (decoded === undefined) throw errors.badRequest('the request body is empty: an object is required');
  const body = requireObjectBody(decoded);
  checkIdentity(target.kind, body, { namespace: target.namespace, ...(target.name === undefined ? {} : { name: target.name }) });
  return {
    ...body,
    apiVersion: target.kind.apiVersion,
    kind: target.kind.kind,
    metadata: {
      ...body.metadata,
      ...(target.namespace === undefined ? {} : { namespace: target.namespace }),
      ...(target.name === undefined ? {} : { name: target.name }),
    },
  };
}

export async function createHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = writeParams(context, request, 'CreateOptions');
  const body = objectBody(target, request);
  const created = await context.resources.create(body, writeOptions(params));
  return sendObject(context, request, reply, 201, target, created, params.warnings);
}

export async function replaceHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const params = writeParams(context, request, 'UpdateOptions');
  const body = objectBody(target, request);
  const options = writeOptions(params);
  const updated = target.level === 'status' ? await context.resources.updateStatus(body, options) : await context.resources.update(body, options);
  return sendObject(context, request, reply, 200, target, updated, params.warnings);
}

export async function patchHandler(context: HandlerContext, target: Target, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const format = patchFormat(request.headers['content-type']);
  const q = query(request);
  const params = writeParams(context, request, 'PatchOptions');
  const force = booleanParam(q, 'force');
  const subresource = target.level === 'status' ? { subresource: 'status' as const } : {};
  if (format !== 'apply') {
    if (force !== undefined) throw errors.invalidOptions('PatchOptions', [{ field: 'force', reason: 'FieldValueForbidden', message: 'Forbidden: may not be specified for non-apply patch' }]);
    const patch = decodeBody(request.body, 'json');
    if (patch === undefined) throw errors.badRequest('the request body is empty: a patch is required');
    const patched = await context.resources.patch(target.kind.kind, target.namespace, target.name ?? '', format === 'json-patch' ? 'json' : 'merge', patch, { ...writeOptions(params), ...subresource });
    return sendObject(context, request, reply, 200, target, patched, params.warnings);
  }
  const manager = explicitFieldManager(q, 'PatchOptions');
  const decoded = decodeBody(request.body, 'yaml');
  if (decoded === undefined) throw errors.badRequest('the request body is empty: an applied configuration is required');
  const configuration = requireObjectBody(decoded);
  checkIdentity(target.kind, configuration, { namespace: target.namespace, ...(target.name === undefined ? {} : { name: target.name }) });
  const metadata = { ...configuration.metadata, name: target.name, ...(target.namespace === undefined ? {} : { namespace: target.namespace }) };
  let created = false;
  const applied = await context.resources.apply({ ...configuration, metadata }, {
    ...writeOptions(params),
    fieldManager: manager ?? '',
    force: force === true,
    ...subresource,
    onCreated: () => {
      created = true;
    },
  });
  return sendObject(context, request, reply, created ? 201 : 200, target, applied, params.warnings);
}
