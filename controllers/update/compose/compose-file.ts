// The pure part of compose file sync: find a service's `image:` in the text of one compose file and replace exactly
// that value. The file is parsed with the `yaml` Document API only to locate the value's source range; the new text is
// the old one with that range spliced, so comments, key order, indentation, blank lines, line endings (CRLF too) and
// every other service stay byte for byte what they were, and the value keeps its quoting style.
import { isAlias, isMap, isScalar, parseDocument, Scalar } from 'yaml';

/** What a compose file says about one service's image. */
export type ServiceImage =
  | { kind: 'absent' }
  | { kind: 'found'; value: string; variables: string[] }
  | { kind: 'invalid'; message: string };

export type ImageRewrite =
  | { kind: 'rewritten'; text: string; previous: string }
  | { kind: 'unchanged' }
  | { kind: 'absent' }
  /** The image is given by compose variables (`${TAG}`): Vigil does not guess which `.env` or shell sets them. */
  | { kind: 'variable'; previous: string; variables: string[] }
  | { kind: 'invalid'; message: string };

/** The variables compose interpolates in `value` (`$VAR`, `${VAR}`, `${VAR:-default}` …; `$$` is a literal `$`). */
export function composeVariables(value: string): string[] {
  const names = new Set<string>();
  const pattern = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;
  for (const match of value.matchAll(pattern)) {
    const name = match[1] ?? match[2];
    if (name !== undefined) names.add(name);
  }
  return [...names];
}

type Located = { kind: 'absent' } | { kind: 'invalid'; message: string } | { kind: 'found'; node: Scalar; value: string; range: [number, number] };

function locate(text: string, service: string): Located {
  const document = parseDocument(text);
  if (document.errors.length > 0) return { kind: 'invalid', message: `not valid YAML: ${document.errors[0]?.message ?? 'parse error'}` };
  const services = document.get('services', true);
  if (services === undefined || services === null) return { kind: 'absent' };
  if (!isMap(services)) return { kind: 'invalid', message: '`services` is not a mapping' };
  const definition = services.get(service, true);
  if (definition === undefined || definition === null) return { kind: 'absent' };
  if (!isMap(definition)) return { kind: 'invalid', message: `service ${service} is not a mapping` };
  const image = definition.get('image', true);
  if (image === undefined || image === null) return { kind: 'absent' };
  if (isAlias(image)) return { kind: 'invalid', message: `the image of service ${service} is a YAML alias (*${image.source}); change it where the anchor is defined` };
  if (!isScalar(image) || typeof image.value !== 'string' || image.range === undefined || image.range === null) {
    return { kind: 'invalid', message: `the image of service ${service} is not a string` };
  }
  if (image.type === Scalar.BLOCK_FOLDED || image.type === Scalar.BLOCK_LITERAL) return { kind: 'invalid', message: `the image of service ${service} is a block scalar` };
  return { kind: 'found', node: image, value: image.value, range: [image.range[0], image.range[1]] };
}

export function serviceImage(text: string, service: string): ServiceImage {
  const located = locate(text, service);
  if (located.kind !== 'found') return located;
  return { kind: 'found', value: located.value, variables: composeVariables(located.value) };
}

/** Does `rendered` read back as exactly `value` when written as a mapping value? */
function readsBackAs(rendered: string, value: string): boolean {
  const parsed = parseDocument(`image: ${rendered}\n`);
  return parsed.errors.length === 0 && parsed.get('image') === value;
}

/** `value` written in the style the old one had; plain only where plain reads back the same, else double quotes. */
export function renderLike(type: Scalar['type'], value: string): string {
  // `$` would be interpolated by compose: a literal one is written `$$`.
  const escaped = value.replaceAll('$', '$$');
  if (type === Scalar.QUOTE_SINGLE) return `'${escaped.replaceAll("'", "''")}'`;
  if (type !== Scalar.QUOTE_DOUBLE && readsBackAs(escaped, escaped)) return escaped;
  return JSON.stringify(escaped);
}

/** The text of the compose file with service `service`'s image set to `image`. */
export function rewriteServiceImage(text: string, service: string, image: string): ImageRewrite {
  const located = locate(text, service);
  if (located.kind !== 'found') return located;
  const variables = composeVariables(located.value);
  if (variables.length > 0) return { kind: 'variable', previous: located.value, variables };
  const previous = located.value.replaceAll('$$', '$');
  if (previous === image) return { kind: 'unchanged' };
  const [start, end] = located.range;
  return { kind: 'rewritten', previous, text: `${text.slice(0, start)}${renderLike(located.node.type, image)}${text.slice(end)}` };
}
