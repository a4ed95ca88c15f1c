// Where an engine is and how to reach it: unix:///path, tcp://host:port, or tcp:// with client TLS (the PEM
// material comes from Secrets the Host references; the host controller reads them). Turned into docker-modem options.
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { inspect } from 'node:util';
import { proxyAgent, type ProxyTLS } from './proxy-agent.ts';

/**
 * docker-modem renders every request's options with util.inspect (showHidden, unlimited depth) for a debug line, even
 * when debugging is off; with a keep-alive agent in the options that walks every socket of the agent: it was most of
 * the CPU time of a 500-container discovery. These agents render as one word, which also keeps TLS keys out of it.
 */
class QuietHttpAgent extends HttpAgent {
  [inspect.custom](): string {
    return '[HttpAgent]';
  }
}

class QuietHttpsAgent extends HttpsAgent {
  [inspect.custom](): string {
    return '[HttpsAgent]';
  }
}

function httpAgent(): HttpAgent {
  return new QuietHttpAgent({ keepAlive: true });
}

export interface DockerTLS {
  /** PEM CA bundle that signed the engine's certificate; absent = the system's roots. */
  ca?: string;
  /** PEM client certificate and key, for engines started with --tlsverify. */
  cert?: string;
  key?: string;
  /** Verify the engine's certificate and host name. Default true. */
  verify?: boolean;
}

export interface DockerEndpoint {
  /** unix:///var/run/docker.sock, tcp://host:port, or a Portainer Docker proxy http(s)://portainer/api/endpoints/ID/docker. */
  url: string;
  /** With tcp:// only: speak HTTPS with this material. */
  tls?: DockerTLS;
  /** With an http(s):// proxy URL only: the Portainer API key and the TLS trust of that Portainer (proxy-agent.ts). */
  portainer?: { apiKey: string; tls?: ProxyTLS };
}

/**
 * docker-modem fills what is not given from DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_CLIENT_TIMEOUT of the process
 * environment; every field is therefore always set (undefined included) so that the environment cannot redirect a
 * Host to another engine.
 */
export interface ModemOptions {
  socketPath: string | undefined;
  host: string | undefined;
  port: number | undefined;
  protocol: 'http' | 'https';
  agent: HttpAgent;
  ca: undefined;
  cert: undefined;
  key: undefined;
  timeout: undefined;
  version: undefined;
}

const UNSET = { ca: undefined, cert: undefined, key: undefined, timeout: undefined, version: undefined } as const;

export class EndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** Parses the endpoint; EndpointError names what is wrong. The agent keeps connections open between calls. */
export function modemOptions(endpoint: DockerEndpoint): ModemOptions {
  const { url, tls } = endpoint;
  if (url.startsWith('http://') || url.startsWith('https://')) return proxyModemOptions(endpoint);
  if (endpoint.portainer !== undefined) throw new EndpointError(`a Portainer API key applies to a Portainer proxy URL, not to ${url}`);
  if (url.startsWith('unix://')) {
    const socketPath = url.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new EndpointError(`invalid Docker endpoint ${JSON.stringify(url)}: expected unix:///absolute/path`);
    if (tls !== undefined) throw new EndpointError(`TLS applies to tcp:// endpoints, not to the socket ${url}`);
    return { ...UNSET, socketPath, host: undefined, port: undefined, protocol: 'http', agent: httpAgent() };
  }
  const match = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(url);
  const port = Number(match?.[2]);
  if (match === null || match[1] === undefined || port < 1 || port > 65535) {
    throw new EndpointError(`invalid Docker endpoint ${JSON.stringify(url)}: expected unix:///PATH or tcp://HOST:PORT`);
  }
  const host = match[1].replace(/^\[(.*)\]$/, '$1');
  if (tls === undefined) return { ...UNSET, socketPath: undefined, host, port, protocol: 'http', agent: httpAgent() };
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new EndpointError(`TLS for ${url}: a client certificate needs its key and a key its certificate`);
  }
  // The agent carries all TLS settings: docker-modem has no option for rejectUnauthorized, and an agent's options
  // take precedence over the request's.
  const agent = new QuietHttpsAgent({
    keepAlive: true,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    rejectUnauthorized: tls.verify !== false,
  });
  return { ...UNSET, socketPath: undefined, host, port, protocol: 'https', agent };
}

/** A Portainer Docker proxy: the modem talks to Portainer's host and port; the agent adds the path and the key. */
function proxyModemOptions(endpoint: DockerEndpoint): ModemOptions {
  let parsed: URL;
  try {
    parsed = new URL(endpoint.url);
  } catch {
    throw new EndpointError(`invalid Portainer proxy URL ${JSON.stringify(endpoint.url)}`);
  }
  if (endpoint.portainer === undefined) throw new EndpointError(`the Portainer proxy ${endpoint.url} needs an API key`);
  if (endpoint.tls !== undefined) throw new EndpointError(`client TLS applies to tcp:// endpoints, not to the Portainer proxy ${endpoint.url}`);
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw new EndpointError(`the Portainer proxy URL ${JSON.stringify(endpoint.url)} may not carry a query, a fragment or credentials`);
  }
  const protocol = parsed.protocol === 'https:' ? 'https' : 'http';
  const port = parsed.port === '' ? (protocol === 'https' ? 443 : 80) : Number(parsed.port);
  const agent = proxyAgent(protocol, {
    pathPrefix: parsed.pathname.replace(/\/$/, ''),
    apiKey: endpoint.portainer.apiKey,
    ...(endpoint.portainer.tls === undefined ? {} : { tls: endpoint.portainer.tls }),
  });
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { ...UNSET, socketPath: undefined, host, port, protocol, agent };
}
