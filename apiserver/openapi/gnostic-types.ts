// The wire format of gnostic's `openapi.v2.Document`, the protobuf message kube-apiserver serves at /openapi/v2 and
// client-go decodes (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf).
//
// The field names and numbers follow gnostic's openapiv2/OpenAPIv2.proto (github.com/google/gnostic, Apache-2.0),
// the definition client-go compiles in. Only the messages and fields Vigil emits are declared: protobuf readers
// skip nothing that is present and need nothing that is absent, so a subset encodes documents every reader of the
// full schema decodes. Adding a field = looking up its number in that file; never renumber.
import protobuf from 'protobufjs';

type FieldSpec = [name: string, type: string, id: number, rule?: 'repeated'];

function message(fields: FieldSpec[], oneof?: string[]): protobuf.IType {
  return {
    fields: Object.fromEntries(fields.map(([name, type, id, rule]) => [name, { type, id, ...(rule === undefined ? {} : { rule }) }])),
    // gnostic names each of its oneofs "oneof".
    ...(oneof === undefined ? {} : { oneofs: { oneof: { oneof } } }),
  };
}

const R = 'repeated' as const;

const messages: Record<string, protobuf.IType> = {
  Document: message([
    ['swagger', 'string', 1], ['info', 'Info', 2], ['host', 'string', 3], ['basePath', 'string', 4],
    ['schemes', 'string', 5, R], ['consumes', 'string', 6, R], ['produces', 'string', 7, R],
    ['paths', 'Paths', 8], ['definitions', 'Definitions', 9], ['vendorExtension', 'NamedAny', 16, R],
  ]),
  Info: message([['title', 'string', 1], ['version', 'string', 2], ['description', 'string', 3], ['vendorExtension', 'NamedAny', 7, R]]),
  Paths: message([['vendorExtension', 'NamedAny', 1, R], ['path', 'NamedPathItem', 2, R]]),
  NamedPathItem: message([['name', 'string', 1], ['value', 'PathItem', 2]]),
  PathItem: message([
    ['ref', 'string', 1], ['get', 'Operation', 2], ['put', 'Operation', 3], ['post', 'Operation', 4], ['delete', 'Operation', 5],
    ['options', 'Operation', 6], ['head', 'Operation', 7], ['patch', 'Operation', 8], ['parameters', 'ParametersItem', 9, R],
    ['vendorExtension', 'NamedAny', 10, R],
  ]),
  Operation: message([
    ['tags', 'string', 1, R], ['summary', 'string', 2], ['description', 'string', 3], ['operationId', 'string', 5],
    ['produces', 'string', 6, R], ['consumes', 'string', 7, R], ['parameters', 'ParametersItem', 8, R], ['responses', 'Responses', 9],
    ['schemes', 'string', 10, R], ['deprecated', 'bool', 11], ['vendorExtension', 'NamedAny', 13, R],
  ]),
  ParametersItem: message([['parameter', 'Parameter', 1], ['jsonReference', 'JsonReference', 2]], ['parameter', 'jsonReference']),
  JsonReference: message([['ref', 'string', 1], ['description', 'string', 2]]),
  Parameter: message([['bodyParameter', 'BodyParameter', 1], ['nonBodyParameter', 'NonBodyParameter', 2]], ['bodyParameter', 'nonBodyParameter']),
  BodyParameter: message([
    ['description', 'string', 1], ['name', 'string', 2], ['in', 'string', 3], ['required', 'bool', 4], ['schema', 'Schema', 5],
    ['vendorExtension', 'NamedAny', 6, R],
  ]),
  NonBodyParameter: message(
    [['headerParameterSubSchema', 'HeaderParameterSubSchema', 1], ['queryParameterSubSchema', 'QueryParameterSubSchema', 3], ['pathParameterSubSchema', 'PathParameterSubSchema', 4]],
    ['headerParameterSubSchema', 'queryParameterSubSchema', 'pathParameterSubSchema'],
  ),
  HeaderParameterSubSchema: message([['required', 'bool', 1], ['in', 'string', 2], ['description', 'string', 3], ['name', 'string', 4], ['type', 'string', 5], ['uniqueItems', 'bool', 19]]),
  QueryParameterSubSchema: message([
    ['required', 'bool', 1], ['in', 'string', 2], ['description', 'string', 3], ['name', 'string', 4], ['allowEmptyValue', 'bool', 5],
    ['type', 'string', 6], ['format', 'string', 7], ['uniqueItems', 'bool', 20],
  ]),
  PathParameterSubSchema: message([
    ['required', 'bool', 1], ['in', 'string', 2], ['description', 'string', 3], ['name', 'string', 4], ['type', 'string', 5],
    ['format', 'string', 6], ['uniqueItems', 'bool', 19],
  ]),
  Responses: message([['responseCode', 'NamedResponseValue', 1, R], ['vendorExtension', 'NamedAny', 2, R]]),
  NamedResponseValue: message([['name', 'string', 1], ['value', 'ResponseValue', 2]]),
  ResponseValue: message([['response', 'Response', 1], ['jsonReference', 'JsonReference', 2]], ['response', 'jsonReference']),
  Response: message([['description', 'string', 1], ['schema', 'SchemaItem', 2], ['vendorExtension', 'NamedAny', 5, R]]),
  SchemaItem: message([['schema', 'Schema', 1]], ['schema']),
  Definitions: message([['additionalProperties', 'NamedSchema', 1, R]]),
  NamedSchema: message([['name', 'string', 1], ['value', 'Schema', 2]]),
  Properties: message([['additionalProperties', 'NamedSchema', 1, R]]),
  Schema: message([
    ['ref', 'string', 1], ['format', 'string', 2], ['title', 'string', 3], ['description', 'string', 4], ['default', 'Any', 5],
    ['multipleOf', 'double', 6], ['maximum', 'double', 7], ['exclusiveMaximum', 'bool', 8], ['minimum', 'double', 9],
    ['exclusiveMinimum', 'bool', 10], ['maxLength', 'int64', 11], ['minLength', 'int64', 12], ['pattern', 'string', 13],
    ['maxItems', 'int64', 14], ['minItems', 'int64', 15], ['uniqueItems', 'bool', 16], ['maxProperties', 'int64', 17],
    ['minProperties', 'int64', 18], ['required', 'string', 19, R], ['enum', 'Any', 20, R],
    ['additionalProperties', 'AdditionalPropertiesItem', 21], ['type', 'TypeItem', 22], ['items', 'ItemsItem', 23],
    ['allOf', 'Schema', 24, R], ['properties', 'Properties', 25], ['discriminator', 'string', 26], ['readOnly', 'bool', 27],
    ['example', 'Any', 30], ['vendorExtension', 'NamedAny', 31, R],
  ]),
  AdditionalPropertiesItem: message([['schema', 'Schema', 1], ['boolean', 'bool', 2]], ['schema', 'boolean']),
  TypeItem: message([['value', 'string', 1, R]]),
  ItemsItem: message([['schema', 'Schema', 1, R]]),
  // gnostic's Any also has a google.protobuf.Any (field 1) that it never fills when reading JSON or YAML.
  Any: message([['yaml', 'string', 2]]),
  NamedAny: message([['name', 'string', 1], ['value', 'Any', 2]]),
};

const root = protobuf.Root.fromJSON({ nested: { openapi: { nested: { v2: { nested: messages } } } } });

/** The openapi.v2.Document message type. */
export const documentType: protobuf.Type = root.lookupType('openapi.v2.Document');
