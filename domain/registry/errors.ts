// One typed error for everything a registry can do wrong, so that a check records a clear, per-container message
// and a scan can tell "try later" (rate_limited, timeout, network, server_error) from "fix something" (the others).

export type RegistryErrorCode =
  /** 401/403 after authenticating, or credentials refused by the token service. */
  | 'unauthorized'
  /** The repository, tag or manifest does not exist. */
  | 'not_found'
  /** 429 after the allowed retries, or the quota reserve was reached. */
  | 'rate_limited'
  /** An answer we cannot use: bad JSON, wrong content type, an HTML page, a missing digest, a body that lies. */
  | 'bad_response'
  /** 5xx. */
  | 'server_error'
  /** No complete answer in time. */
  | 'timeout'
  /** Refused, reset, closed early, unknown host. */
  | 'network'
  /** The TLS handshake failed (unknown CA, wrong name, plain HTTP on the other side). */
  | 'tls'
  /** Our side: a setting that cannot work (e.g. plain HTTP to a non-loopback server). */
  | 'config';

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly registry: string;
  readonly status: number | undefined;
  /** When the registry will accept requests again (epoch ms), if it said. */
  readonly retryAt: number | undefined;

  constructor(options: { code: RegistryErrorCode; registry: string; message: string; status?: number; retryAt?: number; cause?: unknown }) {
    super(`registry ${options.registry}: ${options.message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = options.code;
    this.registry = options.registry;
    this.status = options.status;
    this.retryAt = options.retryAt;
  }

  /** Worth retrying later without changing anything. */
  get transient(): boolean {
    return this.code === 'rate_limited' || this.code === 'timeout' || this.code === 'network' || this.code === 'server_error';
  }
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof RegistryError;
}
