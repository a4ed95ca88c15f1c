// Encodes an OpenAPI v2 document (JSON) as gnostic's protobuf openapi.v2.Document, the form kubectl asks for.
// gnostic keeps maps as ordered (name, value) lists, a `type` as a list, and every free-form value (default, enum
// members, vendor extensions) as YAML text in an Any; kube-openapi parses those YAML strings back, e.g.
// x-kubernetes-group-version-kind. Anything this converter does not know is an error, so that a new keyword in a
// schema cannot silently vanish from what kubectl sees.
import { stringify } from 'yaml';
import { isJsonObject, type JsonObject, type JsonValue } from '../../schemas/json.ts';
import { documentType } from './gnostic-types.ts';

type Message = { [field: string]: unknown };

function yamlAny(value: JsonValue): Message {
  return { yaml: stringify(value, { lineWidth: 0 }) };
}

function object(value: JsonValue | undefined, where: string): JsonObject {
  if (!isJsonObject(value)) throw new Error(`${where}: expected an object`);
  return value;
}

/** Vendor extensions (x-*) as NamedAny; other keys must have been consumed by the caller. */
function extensions(node: JsonObject, known: ReadonlySet<string>, where: string): Message[] {
  const out: Message[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-')) out.push({ name: key, value: yamlAny(value) });
    else if (!known.has(key)) throw new Error(`${where}: ${key} cannot be encoded as gnostic OpenAPI v2`);
  }
  return out;
}

const SCHEMA_SCALARS = [
  'format', 'title', 'description', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength',
  'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'discriminator', 'readOnly',
] as const;
const SCHEMA_KEYS = new Set<string>([...SCHEMA_SCALARS, '$ref', 'default', 'example', 'enum', 'additionalProperties', 'type', 'items', 'allOf', 'properties']);

export function schemaMessage(node: JsonObject, where: string): Message {
  const out: Message = {};
  if (typeof node.$ref === 'string') out.ref = node.$ref;
  for (const key of SCHEMA_SCALARS) if (node[key] !== undefined) out[key] = node[key];
  if (node.default !== undefined) out.default = yamlAny(node.default);
  if (node.example !== undefined) out.example = yamlAny(node.example);
  if (Array.isArray(node.enum)) out.enum = node.enum.map(yamlAny);
  if (typeof node.additionalProperties === 'boolean') out.additionalProperties = { boolean: node.additionalProperties };
  else if (node.additionalProperties !== undefined) out.additionalProperties = { schema: schemaMessage(object(node.additionalProperties, where), `${where}.additionalProperties`) };
  if (node.type !== undefined) out.type = { value: Array.isArray(node.type) ? node.type : [node.type] };
  if (node.items !== undefined) {
    const items = Array.isArray(node.items) ? node.items : [node.items];
    out.items = { schema: items.map((item, index) => schemaMessage(object(item, where), `${where}.items[${index}]`)) };
  }
  if (Array.isArray(node.allOf)) out.allOf = node.allOf.map((item, index) => schemaMessage(object(item, where), `${where}.allOf[${index}]`));
  if (node.properties !== undefined) {
    out.properties = {
      additionalProperties: Object.entries(object(node.properties, where)).map(([name, property]) =>
        ({ name, value: schemaMessage(object(property, where), `${where}.${name}`) })),
    };
  }
  const vendor = extensions(node, SCHEMA_KEYS, where);
  if (vendor.length > 0) out.vendorExtension = vendor;
  return out;
}

const PARAMETER_KEYS = new Set(['name', 'in', 'description', 'required', 'type', 'format', 'uniqueItems', 'allowEmptyValue', 'schema', '$ref']);

function parameterMessage(node: JsonObject, where: string): Message {
  extensions(node, PARAMETER_KEYS, where);
  if (typeof node.$ref === 'string') return { jsonReference: { ref: node.$ref } };
  const common = { name: node.name, in: node.in, ...(node.description === undefined ? {} : { description: node.description }), ...(node.required === undefined ? {} : { required: node.required }) };
  const simple = { ...common, type: node.type, ...(node.format === undefined ? {} : { format: node.format }), ...(node.uniqueItems === undefined ? {} : { uniqueItems: node.uniqueItems }) };
  switch (node.in) {
    case 'body':
      return { parameter: { bodyParameter: { ...common, schema: schemaMessage(object(node.schema, where), `${where}.schema`) } } };
    case 'query':
      return { parameter: { nonBodyParameter: { queryParameterSubSchema: simple } } };
    case 'path':
      return { parameter: { nonBodyParameter: { pathParameterSubSchema: simple } } };
    case 'header':
      return { parameter: { nonBodyParameter: { headerParameterSubSchema: simple } } };
    default:
      throw new Error(`${where}: parameters in ${String(node.in)} are not supported`);
  }
}

function parameters(value: JsonValue | undefined, where: string): Message[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: parameters must be a list`);
  return value.map((parameter, index) => parameterMessage(object(parameter, where), `${where}[${index}]`));
}

const OPERATION_KEYS = new Set(['tags', 'summary', 'description', 'operationId', 'produces', 'consumes', 'parameters', 'responses', 'schemes', 'deprecated']);

function operationMessage(node: JsonObject, where: string): Message {
  const responses = Object.entries(object(node.responses, `${where}.responses`)).map(([code, response]) => {
    const body = object(response, `${where}.responses.${code}`);
    return {
      name: code,
      value: { response: { description: body.description ?? '', ...(body.schema === undefined ? {} : { schema: { schema: schemaMessage(object(body.schema, where), `${where}.responses.${code}`) } }) } },
    };
  });
  const out: Message = { responses: { responseCode: responses }, parameters: parameters(node.parameters, `${where}.parameters`) };
  for (const key of ['tags', 'summary', 'description', 'operationId', 'produces', 'consumes', 'schemes', 'deprecated']) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  const vendor = extensions(node, OPERATION_KEYS, where);
  if (vendor.length > 0) out.vendorExtension = vendor;
  return out;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];
const DOCUMENT_KEYS = new Set(['swagger', 'info', 'host', 'basePath', 'schemes', 'consumes', 'produces', 'paths', 'definitions']);

function pathItemMessage(node: JsonObject, where: string): Message {
  const out: Message = { parameters: parameters(node.parameters, `${where}.parameters`) };
  for (const [key, value] of Object.entries(node)) {
    if (METHODS.includes(key)) out[key] = operationMessage(object(value, where), `${where}.${key}`);
    else if (key !== 'parameters') throw new Error(`${where}: ${key} is not supported in a path item`);
  }
  return out;
}

/** The gnostic message of a Swagger 2.0 document, as a plain object of the openapi.v2.Document type. */
export function documentMessage(document: JsonObject): Message {
  const out: Message = {};
  for (const key of ['swagger', 'host', 'basePath', 'schemes', 'consumes', 'produces']) if (document[key] !== undefined) out[key] = document[key];
  const info = object(document.info, 'info');
  out.info = { title: info.title, version: info.version, ...(info.description === undefined ? {} : { description: info.description }) };
  out.paths = { path: Object.entries(object(document.paths, 'paths')).map(([name, item]) => ({ name, value: pathItemMessage(object(item, name), name) })) };
  out.definitions = {
    additionalProperties: Object.entries(object(document.definitions, 'definitions')).map(([name, schema]) =>
      ({ name, value: schemaMessage(object(schema, name), name) })),
  };
  const vendor = extensions(document, DOCUMENT_KEYS, 'document');
  if (vendor.length > 0) out.vendorExtension = vendor;
  return out;
}

/** The protobuf bytes kubectl decodes. */
export function encodeOpenAPIV2(document: JsonObject): Uint8Array {
  const message = documentMessage(document);
  const problem = documentType.verify(message);
  if (problem !== null) throw new Error(`the OpenAPI v2 document does not fit gnostic's Document: ${problem}`);
  return documentType.encode(documentType.fromObject(message)).finish();
}
