// `WWW-Authenticate` challenges (RFC 7235) as registries send them: `Bearer realm="https://auth.docker.io/token",
// service="registry.docker.io",scope="repository:library/nginx:pull"` or `Basic realm="Registry Realm"`.

export interface AuthChallenge {
  scheme: 'bearer' | 'basic';
  realm?: string;
  service?: string;
  scope?: string;
}

const PARAMETER = /\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/y;

/** The first Bearer or Basic challenge of a header value, or undefined when there is none we understand. */
export function parseChallenge(value: string | string[] | undefined): AuthChallenge | undefined {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const challenges = values.map(parseOne).filter((challenge) => challenge !== undefined);
  return challenges.find((challenge) => challenge.scheme === 'bearer') ?? challenges[0];
}

function parseOne(value: string): AuthChallenge | undefined {
  const match = /^\s*(\w+)\s*/.exec(value);
  if (match === null) return undefined;
  const scheme = (match[1] ?? '').toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const parameters: Record<string, string> = {};
  PARAMETER.lastIndex = match[0].length;
  while (PARAMETER.lastIndex < value.length) {
    const start = PARAMETER.lastIndex;
    const parameter = PARAMETER.exec(value);
    if (parameter === null || PARAMETER.lastIndex === start) break;
    const key = (parameter[1] ?? '').toLowerCase();
    parameters[key] = parameter[2] !== undefined ? parameter[2].replace(/\\(.)/g, '$1') : (parameter[3] ?? '');
  }
  return {
    scheme,
    ...(parameters.realm === undefined ? {} : { realm: parameters.realm }),
    ...(parameters.service === undefined ? {} : { service: parameters.service }),
    ...(parameters.scope === undefined ? {} : { scope: parameters.scope }),
  };
}
