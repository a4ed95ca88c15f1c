// `vigil serve`: opens the store, builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT.
import { mkdirSync, accessSync, constants } from 'node:fs';
import { pino, type Logger } from 'pino';
import { ConfigError, parseServeConfig, SERVE_USAGE, type ServeConfig } from '../serve-config.ts';
import { openStore } from '../../apiserver/storage/open.ts';
import { buildApp } from '../../apiserver/app.ts';
import { vigilVersion } from '../../apiserver/version.ts';
import { redactPaths } from '../../apiserver/logging.ts';
import { ResourceRegistry } from '../../apiserver/resources/registry.ts';
import { startControllers } from '../controllers.ts';
import { kubeconfigYaml, localServerUrl, writeKubeconfig } from '../kubeconfig.ts';

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  let config: ServeConfig;
  try {
    config = parseServeConfig(argv, process.env);
    prepareDataDir(config.dataDir);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`vigil serve: ${error.message}\n(see vigil serve --help)\n`);
      return 2;
    }
    throw error;
  }

  const logger = pino({ level: config.logLevel, redact: { paths: redactPaths, censor: '[redacted]' } });
  logger.info({ version: vigilVersion, store: config.store.kind, dataDir: config.dataDir, dockerHost: config.dockerHost }, 'starting vigil');
  const store = await openStore(config.store, { dataDir: config.dataDir, logger });
  // One registry for the API and the controllers: one set of write rules, one clock.
  const resources = new ResourceRegistry({ store });
  let controllers: Awaited<ReturnType<typeof startControllers>>;
  try {
    controllers = await startControllers({ store, resources, config, logger });
  } catch (error) {
    logger.fatal({ err: error }, 'cannot start the controllers');
    await store.close();
    return 1;
  }
  const app = await buildApp({ store, resources, logger, containerLogs: controllers.docker.logs });
  try {
    await app.listen({ port: config.port, host: config.listen });
  } catch (error) {
    logger.fatal({ err: error }, `cannot listen on ${config.listen}:${config.port}`);
    await controllers.stop();
    await store.close();
    return 1;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const kubeconfig = writeKubeconfig(config.dataDir, kubeconfigYaml({ server: localServerUrl(config.listen, port) }));
  logger.info({ kubeconfig }, `kubeconfig for kubectl and the vigil CLI written to ${kubeconfig}`);
  if (config.listen !== '127.0.0.1' && config.listen !== '::1' && config.listen !== 'localhost') {
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
