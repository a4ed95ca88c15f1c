// oidc-provider ships no type declarations (its @types package is third-party and not installed): the narrow part the
// test bed uses, written from the package's documentation (docs/README.md, "Configuration options").
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderAccount {
    accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>>;
  }

  export interface ProviderClient {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    response_types?: string[];
    grant_types?: string[];
    token_endpoint_auth_method?: string;
  }

  export interface ProviderConfiguration {
    clients?: ProviderClient[];
    claims?: Record<string, string[]>;
    findAccount?: (ctx: unknown, sub: string) => ProviderAccount | undefined | Promise<ProviderAccount | undefined>;
    pkce?: { required?: () => boolean };
    cookies?: { keys?: string[] };
    ttl?: Record<string, number>;
    conformIdTokenClaims?: boolean;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: ProviderConfiguration);
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
  }
}
