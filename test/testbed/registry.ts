// A real Docker registry for the tests (Debian's docker-registry, distribution 2.8) on a free 127.0.0.1 port, with
// filesystem storage in a temporary folder, in one of three modes:
//   anonymous  plain HTTP, no authentication (as the engines' default insecure loopback registry);
//   token      the Bearer flow of Docker Hub and GHCR: `auth: token:` trusting a signer whose tokens a small token
//              service of the test issues (optionally only against Basic credentials);
//   basic      htpasswd Basic authentication over TLS with a self-made CA.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { selfSignedCertificate, serverCertificate } from './certificates.ts';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';
import { startTokenService, type TokenService } from './token-service.ts';

export const TEST_USERNAME = 'vigil';
export const TEST_PASSWORD = 'vigil-test-password';
// bcrypt (cost 4, the minimum, so that each request's password check stays fast) of TEST_PASSWORD, made once with
// python3's crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)); htpasswd is not installed here.
const TEST_PASSWORD_BCRYPT = '$2b$04$EeBOUhwx15fs6IVoUieUh.nIyjSnY4GUAJOK2DcitYMyUHcax1GXy';

export type RegistryMode = 'anonymous' | 'token' | 'basic';

export interface StartRegistryOptions {
  mode?: RegistryMode;
  /** token mode: the token service wants TEST_USERNAME/TEST_PASSWORD (else anonymous pulls get tokens). */
  tokenCredentials?: boolean;
  /** token mode: token lifetime in seconds. */
  tokenExpiresInSeconds?: number;
  name?: string;
}

export interface TestRegistry {
  readonly mode: RegistryMode;
  /** host:port, as an image reference names it (`127.0.0.1:PORT/team/app:1.0`). */
  readonly server: string;
  /** http(s)://127.0.0.1:PORT */
  readonly url: string;
  readonly dir: string;
  /** PEM of the CA that signed the registry's certificate (basic mode). */
  readonly caPem: string | undefined;
  /** Credentials the registry or its token service accepts (basic mode, token mode with tokenCredentials). */
  readonly credentials: { username: string; password: string } | undefined;
  readonly tokenService: TokenService | undefined;
  /** The Authorization header for pushes through the API (pull and push on `repository`). */
  pushAuthorization(repository: string): string | undefined;
  /** Sends one request to the registry's API (the test bed's pushes; trusts the test CA). */
  api(method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE', pathOrUrl: string, options?: { repository?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>;
  stop(): Promise<void>;
  /** Stops the registry (and token service) and removes the folder. */
  cleanup(): Promise<void>;
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const mode = options.mode ?? 'anonymous';
  const dir = makeTempDir(options.name ?? `registry-${mode}`);
  const port = await freePort();
  const server = `127.0.0.1:${port}`;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${server}`,
    '  secret: vigil-test-secret',
  ];
  let caPem: string | undefined;
  let tokenService: TokenService | undefined;
  let credentials: { username: string; password: string } | undefined;
  let tls: { ca: string } | undefined;

  if (mode === 'basic') {
    const ca = selfSignedCertificate(dir, 'ca', { ca: true });
    const certificate = serverCertificate(dir, 'registry', ca);
    caPem = ca.certPem;
    tls = { ca: ca.certPem };
    credentials = { username: TEST_USERNAME, password: TEST_PASSWORD };
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${TEST_USERNAME}:${TEST_PASSWORD_BCRYPT}\n`);
    lines.push('  tls:', `    certificate: ${certificate.certFile}`, `    key: ${certificate.keyFile}`);
    lines.push('auth:', '  htpasswd:', '    realm: vigil-test', `    path: ${htpasswd}`);
  } else if (mode === 'token') {
    const signer = selfSignedCertificate(dir, 'token-signer');
    if (options.tokenCredentials === true) credentials = { username: TEST_USERNAME, password: TEST_PASSWORD };
    tokenService = await startTokenService({
      signer,
      issuer: 'vigil-test-issuer',
      service: 'vigil-test-registry',
      ...(credentials === undefined ? {} : { credentials }),
      ...(options.tokenExpiresInSeconds === undefined ? {} : { expiresInSeconds: options.tokenExpiresInSeconds }),
    });
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${tokenService.realm}`,
      '    service: vigil-test-registry',
      '    issuer: vigil-test-issuer',
      `    rootcertbundle: ${signer.certFile}`,
    );
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, lines.join('\n') + '\n');
  const url = `${tls === undefined ? 'http' : 'https'}://${server}`;

  const dispatcher = new Agent(tls === undefined ? {} : { connect: { ca: tls.ca } });

  const pushAuthorization = (repository: string): string | undefined => {
    if (mode === 'basic' && credentials !== undefined) return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    if (mode === 'token' && tokenService !== undefined) return `Bearer ${tokenService.mint(`repository:${repository}:pull,push`)}`;
    return undefined;
  };

  const api: TestRegistry['api'] = async (method, pathOrUrl, requestOptions = {}) => {
    const target = pathOrUrl.startsWith('http') ? pathOrUrl : `${url}${pathOrUrl}`;
    const authorization = requestOptions.repository === undefined ? undefined : pushAuthorization(requestOptions.repository);
    const response = await request(target, {
      method,
      dispatcher,
      headers: { ...(authorization === undefined ? {} : { authorization }), ...(requestOptions.headers ?? {}) },
      ...(requestOptions.body === undefined ? {} : { body: requestOptions.body }),
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    return { status: response.statusCode, headers: response.headers, body };
  };

  const daemon = new Daemon({
    name: `docker-registry (${mode})`,
    command: 'docker-registry',
    args: ['serve', configFile],
    logFile: join(dir, 'registry.log'),
    ready: async () => {
      const answer = await api('GET', '/v2/');
      return answer.status === 200 || answer.status === 401;
    },
  });
  try {
    await daemon.start();
  } catch (error) {
    await tokenService?.stop();
    await dispatcher.close();
    throw error;
  }

  const stop = async (): Promise<void> => {
    await daemon.stop();
    await tokenService?.stop();
  };
  return {
    mode,
    server,
    url,
    dir,
    caPem,
    credentials,
    tokenService,
    pushAuthorization,
    api,
    stop,
    cleanup: async () => {
      await stop();
      await dispatcher.close();
      removeTempDir(dir);
    },
  };
}
