// A small token service for the registry's `auth: token:` mode, the Bearer flow Docker Hub and GHCR use: it answers
// GET /token?service=…&scope=repository:NAME:pull with a JWT signed by a self-made certificate that the registry
// trusts (its rootcertbundle). The certificate travels in the token's x5c header, which distribution verifies
// against the bundle. It counts what it is asked, and can demand Basic credentials.
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { KeyPair } from './certificates.ts';

export interface TokenServiceOptions {
  signer: KeyPair;
  issuer: string;
  service: string;
  /** Required Basic credentials; without them anonymous requests get pull access. */
  credentials?: { username: string; password: string };
  /** Token lifetime in seconds (expires_in); default 300. */
  expiresInSeconds?: number;
}

export interface TokenService {
  /** The realm URL the registry's challenge names. */
  readonly realm: string;
  /** Token requests answered so far (any outcome). */
  readonly requests: number;
  /** The scopes asked for, in order. */
  readonly scopes: readonly string[];
  /** A token for `scope` with pull and push, as the test bed's pushes need. */
  mint(scope: string): string;
  setExpiresIn(seconds: number): void;
  stop(): Promise<void>;
}

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

export async function startTokenService(options: TokenServiceOptions): Promise<TokenService> {
  const key = createPrivateKey(options.signer.keyPem);
  const der = new X509Certificate(options.signer.certPem).raw;
  let expiresIn = options.expiresInSeconds ?? 300;
  let requests = 0;
  const scopes: string[] = [];

  const token = (subject: string, access: Array<{ type: string; name: string; actions: string[] }>): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] }));
    const claims = base64url(JSON.stringify({ iss: options.issuer, sub: subject, aud: options.service, exp: now + expiresIn, nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = base64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    return `${header}.${claims}.${signature}`;
  };

  const accessFor = (scope: string, actions: string[]): Array<{ type: string; name: string; actions: string[] }> => {
    const match = /^repository:([^:]+):([\w,*]+)$/.exec(scope);
    if (match === null || match[1] === undefined || match[2] === undefined) return [];
    const granted = match[2].split(',').filter((action) => actions.includes(action));
    return [{ type: 'repository', name: match[1], actions: granted }];
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    requests += 1;
    const url = new URL(request.url ?? '/', 'http://token');
    if (url.pathname !== '/token') {
      response.writeHead(404).end();
      return;
    }
    let subject = 'anonymous';
    let actions = ['pull'];
    if (options.credentials !== undefined) {
      const expected = `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`;
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      subject = options.credentials.username;
      actions = ['pull', 'push'];
    }
    const requested = url.searchParams.getAll('scope');
    scopes.push(...requested);
    const access = requested.flatMap((scope) => accessFor(scope, actions));
    const body = { token: token(subject, access), expires_in: expiresIn, issued_at: new Date().toISOString() };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('token service has no address');

  return {
    realm: `http://127.0.0.1:${address.port}/token`,
    get requests() {
      return requests;
    },
    get scopes() {
      return scopes;
    },
    mint: (scope) => token('testbed', accessFor(scope, ['pull', 'push'])),
    setExpiresIn: (seconds) => {
      expiresIn = seconds;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
