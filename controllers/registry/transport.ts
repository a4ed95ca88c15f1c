// One HTTP exchange with a registry (or its token service) on undici, Node's own HTTP client: undici rather than the
// global fetch because each registry needs its own dispatcher (a private CA, a connection limit) and because its
// request() hands us the status, headers and body without fetch's stream and CORS machinery. Every failure becomes a
// RegistryError with a message that says what happened and never contains a secret.
import { rootCertificates } from 'node:tls';
import { Agent, errors as undiciErrors, request } from 'undici';
import type { SecretMasker } from './credentials.ts';
import { RegistryError } from '../../domain/registry/errors.ts';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text (absent for HEAD). */
  body: string | undefined;
  /** The body's exact bytes (digests are computed over these). */
  bytes: Buffer | undefined;
}

export interface HttpExchange {
  method: 'GET' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  signal?: AbortSignal;
  /** Bodies larger than this are refused (bad_response). */
  maxBodyBytes: number;
}

export interface TransportOptions {
  /** The registry's name, for messages. */
  registry: string;
  /** PEM bundle trusted in addition to the system's roots. */
  ca?: string;
  /** Connections per origin. */
  connections: number;
  /** The whole exchange, headers and body. */
  timeoutMs: number;
  masker: SecretMasker;
}

/** The TLS failures that mean "the other side speaks plain HTTP". */
const PLAIN_HTTP_PEER = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'EPROTO']);
const TLS_FAILURES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  ...PLAIN_HTTP_PEER,
]);

export class Transport {
  readonly #options: TransportOptions;
  readonly #agent: Agent;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.#agent = new Agent({
      connections: options.connections,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
      connect: { timeout: options.timeoutMs, ...(options.ca === undefined ? {} : { ca: [...rootCertificates, options.ca] }) },
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async exchange(exchange: HttpExchange): Promise<HttpAnswer> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = exchange.signal === undefined ? timeout : AbortSignal.any([exchange.signal, timeout]);
    const what = `${exchange.method} ${exchange.url.pathname}${exchange.url.search}`;
    try {
      // undici closes the connection after every HEAD unless told otherwise (nodejs/undici#258: servers that send a
      // body anyway); registries answer HEADs by the spec, and a scan is mostly HEADs: keep the connection, or each
      // one costs a new TCP connection (and, with TLS, a handshake).
      const response = await request(exchange.url, { method: exchange.method, headers: exchange.headers, dispatcher: this.#agent, signal, ...(exchange.method === 'HEAD' ? { reset: false } : {}) });
      if (exchange.method === 'HEAD') {
        await response.body.dump();
        return { status: response.statusCode, headers: response.headers, body: undefined, bytes: undefined };
      }
      const bytes = await readBody(response.body, exchange.maxBodyBytes);
      if (bytes === null) throw this.#error('bad_response', `${what}: the answer is larger than ${exchange.maxBodyBytes} bytes`);
      return { status: response.statusCode, headers: response.headers, body: bytes.toString('utf8'), bytes };
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      if (exchange.signal?.aborted === true) throw exchange.signal.reason ?? error;
      if (timeout.aborted) throw this.#error('timeout', `${what}: no complete answer within ${this.#options.timeoutMs} ms`, error);
      throw this.#translate(error, what);
    }
  }

  /** True when the error says the server answered a TLS handshake in plain HTTP. */
  static isPlainHttpPeer(error: unknown): boolean {
    return error instanceof RegistryError && error.code === 'tls' && error.cause !== undefined && PLAIN_HTTP_PEER.has(errorCode(error.cause) ?? '');
  }

  #translate(error: unknown, what: string): RegistryError {
    const code = errorCode(error);
    const detail = error instanceof Error ? error.message : String(error);
    if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
      return this.#error('timeout', `${what}: no complete answer within ${this.#options.timeoutMs} ms`, error);
    }
    if (code !== undefined && TLS_FAILURES.has(code)) {
      const hint = PLAIN_HTTP_PEER.has(code) ? ' (the server seems to speak plain HTTP)' : ' (is its CA configured in the Registry resource?)';
      return this.#error('tls', `${what}: TLS handshake failed: ${code}${hint}`, error);
    }
    if (error instanceof undiciErrors.ResponseContentLengthMismatchError) {
      return this.#error('bad_response', `${what}: the body was shorter than its Content-Length (truncated)`, error);
    }
    if (error instanceof undiciErrors.SocketError || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
      return this.#error('network', `${what}: the connection was closed before a complete answer (${detail})`, error);
    }
    if (error instanceof undiciErrors.HTTPParserError) {
      return this.#error('bad_response', `${what}: not an HTTP answer (${detail})`, error);
    }
    if (code === 'ECONNREFUSED') return this.#error('network', `${what}: connection refused`, error);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return this.#error('network', `${what}: unknown host`, error);
    return this.#error('network', `${what}: ${code ?? detail}`, error);
  }

  #error(code: RegistryError['code'], message: string, cause?: unknown): RegistryError {
    return new RegistryError({ code, registry: this.#options.registry, message: this.#options.masker.mask(message), ...(cause === undefined ? {} : { cause }) });
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('code' in error && typeof error.code === 'string') {
    // undici wraps socket errors; the cause carries the system or TLS code.
    if ((error.code === 'UND_ERR_SOCKET' || error.code === 'UND_ERR_CONNECT') && 'cause' in error) return errorCode(error.cause) ?? error.code;
    return error.code;
  }
  return 'cause' in error ? errorCode(error.cause) : undefined;
}

/** The body, or null when it exceeds the limit. */
async function readBody(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, maxBytes: number): Promise<Buffer | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
