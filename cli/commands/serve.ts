// `vigil serve`: opens the store, builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT.
import { mkdirSync, accessSync, constants } from 'node:fs';
import { pino, type Logger } from 'pino';
import { ConfigError, isLoopbackAddress, parseServeConfig, SERVE_USAGE, type ServeConfig } from '../serve-config.ts';
import { openStore } from '../../apiserver/storage/open.ts';
import { buildApp } from '../../apiserver/app.ts';
import { vigilVersion } from '../../apiserver/version.ts';
import { redactPaths } from '../../apiserver/logging.ts';
import { loadKeyring, SecretBoxError, type Keyring } from '../../apiserver/auth/secret-box.ts';
import { AuthService } from '../../apiserver/auth/service.ts';
import { setupTokenPath } from '../../apiserver/auth/setup-token.ts';
import { EncryptionKeyMismatch, verifyEncryptionKey } from '../../apiserver/auth/key-check.ts';
import { ResourceRegistry } from '../../apiserver/resources/registry.ts';
import { loadOrCreateTlsIdentity, type LoadedTlsIdentity } from '../../apiserver/tls/self-signed.ts';
import { certificateNamesHost, loadProvidedTlsIdentity, TlsFilesError } from '../../apiserver/tls/provided.ts';
import { startControllers } from '../controllers.ts';
import { sentinelServices } from '../sentinel-services.ts';
import { kubeconfigPath, localServerUrl } from '../kubeconfig.ts';
import { writeLocalKubeconfig } from '../serve-kubeconfig.ts';
import { collectDefaultMetrics, Registry as MetricsRegistry } from 'prom-client';
import { environmentSettings, type EnvironmentSettings } from '../serve-settings.ts';
import { createSettingsIfMissing } from '../../apiserver/sentinel/settings/settings-writer.ts';

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const startedAt = new Date();
  let config: ServeConfig;
  let keyring: Keyring;
  let environment: EnvironmentSettings;
  try {
    config = parseServeConfig(argv, process.env);
    environment = environmentSettings(process.env);
    prepareDataDir(config.dataDir);
    keyring = loadKeyring({ dataDir: config.dataDir, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SecretBoxError) {
      process.stderr.write(`vigil serve: ${error.message}\n(see vigil serve --help)\n`);
      return 2;
    }
    throw error;
  }

  const logger = pino({ level: config.logLevel, redact: { paths: redactPaths, censor: '[redacted]' } });
  logger.info({ version: vigilVersion, store: config.store.kind, dataDir: config.dataDir, dockerHost: config.dockerHost }, 'starting vigil');
  logger.info({ keys: keyring.source, keyId: keyring.box.primaryKeyId }, keyring.created ? 'created a new encryption key for secrets at rest: back it up with the data' : 'secrets at rest are encrypted');
  if (keyring.warning !== undefined) logger.warn(keyring.warning);
  let tls: LoadedTlsIdentity | undefined;
  try {
    if (config.tls === 'off') tls = undefined;
    else if (config.tlsFiles !== undefined) tls = loadProvidedTlsIdentity(config.tlsFiles);
    else tls = await loadOrCreateTlsIdentity(config.dataDir, config.listen);
  } catch (error) {
    if (error instanceof TlsFilesError) {
      // A bad or mismatched pair is a configuration mistake, reported as one (exit 2, naming the flag).
      logger.fatal(error.message);
      process.stderr.write(`vigil serve: ${error.message}\n(see vigil serve --help)\n`);
      return 2;
    }
    logger.fatal({ err: error }, 'cannot load or make the TLS certificate');
    return 1;
  }
  if (tls?.created === true) logger.info({ certFile: tls.certFile }, `made a self-signed TLS certificate: ${tls.certFile}`);
  const store = await openStore(config.store, { dataDir: config.dataDir, logger, encryption: keyring.box });
  try {
    const outcome = await verifyEncryptionKey(store, keyring.box);
    if (outcome !== 'verified') logger.info({ keyId: keyring.box.primaryKeyId }, outcome === 'created' ? 'stored the encryption key check: every replica of this store must use this key' : 'sealed the encryption key check again with the new primary key');
  } catch (error) {
    await store.close();
    if (!(error instanceof EncryptionKeyMismatch)) throw error;
    logger.fatal(error.message);
    process.stderr.write(`vigil serve: ${error.message}\n`);
    return 2;
  }
  // Known once listening; setup cannot happen before (it arrives over HTTP).
  let localServer: string | undefined;
  const refreshKubeconfig = async (): Promise<void> => {
    if (localServer === undefined) return;
    const kubeconfig = await writeLocalKubeconfig({ auth, dataDir: config.dataDir, server: localServer, ...(tls === undefined ? {} : { certificateAuthority: tls.authority }), log: logger });
    if (kubeconfig === undefined) logger.info('the kubeconfig for kubectl and the vigil CLI is written to the data directory once the first admin is set up');
    else logger.info({ kubeconfig }, `kubeconfig for kubectl and the vigil CLI written to ${kubeconfig}`);
  };
  const auth: AuthService = new AuthService({
    store,
    encryption: keyring.box,
    dataDir: config.dataDir,
    mode: config.auth,
    logger: logger.child({ component: 'auth' }),
    afterSetup: refreshKubeconfig,
  });
  // One registry for the API and the controllers: one set of write rules, one clock.
  const resources = new ResourceRegistry({ store });
  // The singleton exists from the first start, so that every message pointing at it (`kubectl patch settings
  // default`, /metrics disabled) is true. Create-if-absent: a restart or another replica that made it first leaves it
  // exactly as it is. SENTINEL_* variables describe it only when it is first made (docs/sentinel-api.md).
  if (await createSettingsIfMissing(resources, environment.seed)) {
    const seeded = Object.keys(environment.seed);
    if (seeded.length > 0) logger.info({ settings: seeded }, 'created Settings default from SENTINEL_* environment variables');
    else logger.info('created Settings default (empty spec: every setting at its default)');
  }
  // One metrics registry for the controllers (reconciles, queues), the API (HTTP latencies) and /metrics.
  const metricsRegistry = new MetricsRegistry();
  collectDefaultMetrics({ register: metricsRegistry });
  let controllers: Awaited<ReturnType<typeof startControllers>>;
  try {
    controllers = await startControllers({ store, resources, config, logger, metricsRegistry });
  } catch (error) {
    logger.fatal({ err: error }, 'cannot start the controllers');
    await store.close();
    return 1;
  }
  const app = await buildApp({
    store,
    resources,
    auth,
    logger,
    containerLogs: controllers.docker.logs,
    sentinel: { ...sentinelServices(controllers, resources), live: { dataDirectory: config.dataDir, startedAt, metricsAlwaysOn: environment.metricsAlwaysOn, leadership: controllers.manager } },
    // The ownerReferences garbage collector runs as a leader-only runnable of the controllers (cli/controllers.ts).
    garbageCollection: false,
    metricsRegistry,
    basePath: config.basePath,
    ...(tls === undefined ? {} : { tls }),
  });
  if (config.auth === 'off') {
    logger.warn('AUTHENTICATION IS OFF (--auth=off): everyone who reaches this port is an admin and controls your containers');
  } else if (!(await auth.authEnabled())) {
    logger.warn('AUTHENTICATION IS OFF (switched off by an admin): everyone who reaches this port is an admin and controls your containers');
  }
  const setupToken = await auth.prepareSetup();
  if (setupToken !== undefined) {
    // The token proves that whoever runs /setup can read the data directory. The token itself is not logged (logs are collected and shipped; secrets never go there): the file is readable
    // by whoever owns the data directory, the trust boundary.
    const file = setupTokenPath(config.dataDir);
    logger.warn({ setupTokenFile: file }, `Vigil is not set up yet. Create the first admin with POST /setup and the one-time setup token in ${file}`);
  }
  try {
    await app.listen({ port: config.port, host: config.listen });
  } catch (error) {
    logger.fatal({ err: error }, `cannot listen on ${config.listen}:${config.port}`);
    await controllers.stop();
    await store.close();
    return 1;
  }
  const address = app.server.address();
  // Over TLS when served: Kubernetes clients send the kubeconfig's token only then.
  localServer = `${localServerUrl(config.listen, typeof address === 'object' && address !== null ? address.port : config.port, tls === undefined ? 'http' : 'https')}${config.basePath}`;
  if (tls !== undefined) logger.info({ certFile: tls.certFile }, `HTTPS on the same port too: ${localServer}, certificate ${tls.certFile}`);
  // A given certificate names the clients' address (a load balancer), which need not be the local one the kubeconfig
  // written here uses: say so, rather than leave kubectl's hostname error to explain it.
  if (tls !== undefined && config.tlsFiles !== undefined && !certificateNamesHost(tls.cert, new URL(localServer).hostname)) {
    logger.warn({ certFile: tls.certFile }, `the certificate ${tls.certFile} does not name ${new URL(localServer).hostname}, the address of ${kubeconfigPath(config.dataDir)}: edit its server to a name the certificate holds`);
  }
  try {
    await refreshKubeconfig();
  } catch (error) {
    logger.error({ err: error }, `cannot write the kubeconfig in ${config.dataDir}`);
  }
  if (!isLoopbackAddress(config.listen) && !(await auth.authEnabled())) {
    logger.warn(`listening on ${config.listen} without authentication: anyone who can reach this port controls your containers`);
  }
  return await waitForShutdown(logger, async () => {
    // Controllers first (they finish or abort what they do), then the API, then the store they all use.
    await controllers.stop();
    await app.close();
    await store.close();
  });
}

function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    accessSync(dataDir, constants.W_OK);
  } catch (error) {
    throw new ConfigError(`data directory ${dataDir} is not writable: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Resolves with the exit code once a signal arrived and `close` finished; a second signal exits at once. */
function waitForShutdown(logger: Logger, close: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let closing = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (closing) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(1);
      }
      closing = true;
      logger.info(`${signal}: shutting down`);
      close().then(
        () => resolve(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
