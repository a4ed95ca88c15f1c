// JSON patch (RFC 6902, `kubectl patch --type json`) through fast-json-patch, with its failures mapped onto the
// answers kube-apiserver gives: a malformed patch document is a 400 BadRequest; an operation that cannot apply
// (a failed `test`, a path that does not exist) is a 422 Invalid (apiserver handlers/patch.go).
import jsonpatch from 'fast-json-patch';
import { ApiError, errors } from '../errors.ts';

const MALFORMED = new Set(['SEQUENCE_NOT_AN_ARRAY', 'OPERATION_NOT_AN_OBJECT', 'OPERATION_OP_INVALID', 'OPERATION_PATH_INVALID', 'OPERATION_FROM_REQUIRED', 'OPERATION_VALUE_REQUIRED', 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED']);

/** The document with `patch` applied; the input is not modified. */
export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch (a JSON patch is an array of operations)');
  try {
    return jsonpatch.applyPatch(structuredClone(document), structuredClone(patch) as jsonpatch.Operation[], true, true).newDocument;
  } catch (error) {
    if (error instanceof jsonpatch.JsonPatchError) {
      const where = error.index === undefined ? '' : ` (operation ${error.index})`;
      const message = `${error.message.split('\n')[0] ?? error.name}${where}`;
      if (MALFORMED.has(error.name)) throw errors.badRequest(`invalid JSON patch: ${message}`);
      throw new ApiError(422, 'Invalid', `the JSON patch could not be applied: ${message}`);
    }
    throw error;
  }
}
