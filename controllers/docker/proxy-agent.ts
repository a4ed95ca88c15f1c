// The transport to an engine behind a Portainer Docker proxy (https://portainer/api/endpoints/{id}/docker): an HTTP(S)
// agent that puts the proxy's path prefix in front of every request path and adds the X-API-Key header.
//
// Why an agent and not docker-modem options: docker-modem has a `pathPrefix`, but it joins it with url.resolve and
// every Docker path is absolute ("/containers/json"), so the prefix is dropped; and its `headers` option is replaced,
// not merged, whenever a call passes headers of its own (pulls with X-Registry-Auth). An agent sees every request
// of the modem, dockerode's helpers and the update's calls alike, before its head is written (ClientRequest calls
// agent.addRequest at the end of its constructor), so it is the one place that cannot be bypassed.
//
// TLS: verification is on unless insecureSkipVerify; a CA bundle replaces the system roots; a pinned SHA-256 of the
// server certificate is checked before the socket is handed to any request, so the API key is never written to a
// server whose certificate does not match.
import { Agent as HttpAgent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { inspect } from 'node:util';

export interface ProxyTLS {
  /** PEM CA bundle for a Portainer with a private CA; absent = the system's roots. */
  ca?: string;
  /** SHA-256 of the server certificate (hex, colons allowed): trusted whatever signed it. */
  pinnedSha256?: string;
  /** Skip verification altogether. Default false. */
  insecureSkipVerify?: boolean;
}

export interface ProxyAgentOptions {
  /** The path every request path is put under: /api/endpoints/3/docker. */
  pathPrefix: string;
  apiKey: string;
  /** With https only. */
  tls?: ProxyTLS;
}

interface PendingRequest {
  path: string;
  setHeader(name: string, value: string): unknown;
}

function prefixRequest(request: ClientRequest, options: ProxyAgentOptions): void {
  const pending = request as unknown as PendingRequest;
  pending.path = `${options.pathPrefix}${pending.path}`;
  pending.setHeader('X-API-Key', options.apiKey);
}

/** Normalises a pin: lower-case hex without colons. */
export function normalisePin(pin: string): string {
  return pin.replace(/:/g, '').toLowerCase();
}

export class ProxyHttpAgent extends HttpAgent {
  readonly #options: ProxyAgentOptions;

  constructor(options: ProxyAgentOptions) {
    super({ keepAlive: true });
    this.#options = options;
  }

  addRequest(request: ClientRequest, options: object): void {
    prefixRequest(request, this.#options);
    (HttpAgent.prototype as unknown as { addRequest(request: ClientRequest, options: object): void }).addRequest.call(this, request, options);
  }

  // docker-modem renders request options with util.inspect: this keeps the API key out of that walk.
  [inspect.custom](): string {
    return '[PortainerProxyAgent]';
  }
}

export class ProxyHttpsAgent extends HttpsAgent {
  readonly #options: ProxyAgentOptions;
  readonly #pin: string | undefined;

  constructor(options: ProxyAgentOptions) {
    const tls = options.tls ?? {};
    const agentOptions: HttpsAgentOptions = {
      keepAlive: true,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      // A pin replaces chain verification; it is checked in createConnection.
      rejectUnauthorized: tls.insecureSkipVerify !== true && tls.pinnedSha256 === undefined,
    };
    super(agentOptions);
    this.#options = options;
    this.#pin = tls.pinnedSha256 === undefined || tls.insecureSkipVerify === true ? undefined : normalisePin(tls.pinnedSha256);
  }

  addRequest(request: ClientRequest, options: object): void {
    prefixRequest(request, this.#options);
    (HttpsAgent.prototype as unknown as { addRequest(request: ClientRequest, options: object): void }).addRequest.call(this, request, options);
  }

  override createConnection(options: ConnectionOptions, callback?: (error: Error | null, socket: Duplex) => void): Duplex | null | undefined {
    const pin = this.#pin;
    if (pin === undefined || callback === undefined) {
      return (HttpsAgent.prototype as unknown as { createConnection(options: ConnectionOptions, callback?: unknown): Duplex }).createConnection.call(this, options, callback);
    }
    // Asynchronous form (the agent waits for the callback): the socket reaches a request only once its pin matched.
    const socket: TLSSocket = tlsConnect({ ...options, rejectUnauthorized: false });
    const failed = (error: Error): void => { callback(error, socket); };
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      socket.off('error', failed);
      const fingerprint = normalisePin(socket.getPeerCertificate().fingerprint256 ?? '');
      if (fingerprint !== pin) {
        socket.destroy();
        callback(new Error(`the server certificate's SHA-256 ${fingerprint} does not match the pinned ${pin}`), socket);
        return;
      }
      callback(null, socket);
    });
    return undefined;
  }

  [inspect.custom](): string {
    return '[PortainerProxyAgent]';
  }
}

export function proxyAgent(protocol: 'http' | 'https', options: ProxyAgentOptions): HttpAgent {
  return protocol === 'https' ? new ProxyHttpsAgent(options) : new ProxyHttpAgent(options);
}
