// Compose file sync with Debian's docker-compose 1.29 on a real engine and the registry test bed, the update
// controller run as `vigil serve` runs it (controller-stack.ts): a two-service project brought up by docker-compose,
// one service updated by Vigil; afterwards the compose file names the new tag (the other service's line and the
// comments unchanged), `docker-compose ps` still shows the service, and `docker-compose up -d` keeps the new version.
// With sync off the file is untouched; a read-only compose directory gives ComposeSynced=False.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Container, UpdateRecord } from '../../../schemas/generated/types.ts';
import { findCondition } from '../../../controllers/runtime/index.ts';
import { isActive } from '../../../controllers/update/controller/desired.ts';
import { BACKUP_SUFFIX } from '../../../controllers/update/compose/compose-sync.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../../testbed/docker.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { startUpdateStack, type UpdateStack } from './controller-stack.ts';
import { SERVE } from './update-testbed.ts';

const run = promisify(execFile);
const DOCKER_COMPOSE = '/usr/bin/docker-compose';

interface Inspected {
  Image: string;
  Config: { Image: string; Labels: Record<string, string> };
  State: { Running: boolean };
}

/** The two-service project: `web` follows updates, `worker` runs the same image and must keep its line. */
function composeFile(image: string): string {
  return [
    '# The lab project: web is kept up to date by Vigil.',
    'version: "2.4"',
    'services:',
    '  web:',
    '    # the web app',
    `    image: ${image}  # updated by Vigil`,
    '    labels:',
    '      sentinel.policy: auto',
    '  worker:',
    `    image: "${image}"`,
    '    labels:',
    '      sentinel.policy: manual',
    '',
  ].join('\n');
}

describe('compose file sync with docker-compose 1.29 on a real engine', () => {
  let engine: DockerEngine;
  let registry: TestRegistry;
  let stack: UpdateStack;
  const root = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
  const mounts: string[] = [];
  const ref = (tag: string): string => `${registry.server}/team/app:${tag}`;
  const inspect = async (name: string): Promise<Inspected> => (await engine.inspect(name)) as unknown as Inspected;
  const imageID = async (reference: string): Promise<string> => (await engine.docker(['image', 'inspect', '--format', '{{.Id}}', reference])).trim();
  const compose = async (project: string, dir: string, args: string[]): Promise<string> => {
    const { stdout } = await run(DOCKER_COMPOSE, ['-p', project, '-f', join(dir, 'docker-compose.yml'), ...args], {
      cwd: dir,
      env: { ...process.env, DOCKER_HOST: engine.host, COMPOSE_INTERACTIVE_NO_CLI: '1' },
      timeout: 180_000,
    });
    return stdout;
  };
  /** A project folder with the compose file, brought up by docker-compose. */
  const up = async (project: string): Promise<{ dir: string; file: string; text: string }> => {
    const dir = join(root, project);
    mkdirSync(dir);
    const file = join(dir, 'docker-compose.yml');
    const text = composeFile(ref('1'));
    writeFileSync(file, text);
    await compose(project, dir, ['up', '-d']);
    return { dir, file, text };
  };
  /** Registry check of PROJECT_web_1 (auto policy), then the update it starts, to its end. */
  const updateWeb = async (project: string): Promise<{ container: Container; record: UpdateRecord | undefined }> => {
    const name = `${project}_web_1`;
    await stack.waitFor(name, 'discovered as a compose container', (status) => status.compose?.service === 'web' && status.effective?.policy?.value === 'auto');
    const checked = await stack.check(name);
    assert.equal(checked.registryCheck?.target?.image, ref('2'), 'the registry check found app:2');
    const container = await stack.waitFor(name, 'the update ended and was recorded', (status) => status.lastUpdate !== undefined && !isActive(status.operation), 120_000);
    assert.equal(container.status?.lastUpdate?.outcome, 'success', container.status?.lastUpdate?.error);
    const [record] = await stack.records(name);
    return { container, record };
  };

  before(async () => {
    [engine, registry] = await Promise.all([startDockerEngine({ name: 'compose-sync' }), startRegistry()]);
    for (const version of ['1', '2']) {
      await buildTestImage(engine, { tag: `${registry.server}/team/app:${version}`, version, cmd: ['sh', '-c', SERVE] });
      await engine.docker(['push', `${registry.server}/team/app:${version}`], { timeoutMs: 120_000 });
    }
    // app:2 only in the registry, as before a real update.
    await engine.docker(['rmi', `${registry.server}/team/app:2`]);
    stack = await startUpdateStack({ dockerHost: engine.host, testRegistry: registry, settings: { composeSync: true } });
  });
  after(async () => {
    for (const mount of mounts) spawnSync('umount', [mount]);
    await stack?.close();
    await Promise.all([engine?.cleanup(), registry?.cleanup()]);
    rmSync(root, { recursive: true, force: true });
  });

  test('compose sync: rewrites the compose file after an update and compose keeps the new version', async () => {
    const { dir, file, text } = await up('lab');
    const workerBefore = await inspect('lab_worker_1');
    const { container, record } = await updateWeb('lab');

    const synced = readFileSync(file, 'utf8');
    assert.equal(synced, text.replace(`image: ${ref('1')}  # updated by Vigil`, `image: ${ref('2')}  # updated by Vigil`), 'only the web image changed');
    assert.ok(synced.includes('    # the web app\n'), 'the comment survived');
    assert.ok(synced.includes(`    image: "${ref('1')}"\n`), "the worker's line is unchanged, quotes included");
    assert.equal(readFileSync(`${file}${BACKUP_SUFFIX}`, 'utf8'), text, 'the previous file is kept beside it');
    const condition = findCondition(container.status?.conditions, 'ComposeSynced');
    assert.deepEqual([condition?.status, condition?.reason], ['True', 'Synced'], condition?.message);
    assert.match(condition?.message ?? '', new RegExp(`^${file}: service web image`));
    assert.deepEqual((record?.spec.steps ?? []).filter((step) => step.name === 'composeSync').map((step) => step.outcome), ['success']);

    // Vigil's recreate kept the compose labels: compose still owns the container.
    const web = await inspect('lab_web_1');
    assert.equal(web.Config.Image, ref('2'));
    assert.equal(web.Config.Labels['com.docker.compose.project'], 'lab');
    assert.equal(web.Config.Labels['com.docker.compose.service'], 'web');
    assert.ok((web.Config.Labels['com.docker.compose.config-hash'] ?? '') !== '', 'config-hash kept');
    const ps = await compose('lab', dir, ['ps']);
    const webLine = ps.split('\n').find((line) => line.startsWith('lab_web_1'));
    assert.match(webLine ?? '', /\bUp\b/, ps);

    // The next `up -d` (e.g. after a reboot or an edit) keeps the new version.
    await compose('lab', dir, ['up', '-d']);
    const after = await inspect('lab_web_1');
    assert.equal(after.Config.Image, ref('2'));
    assert.equal(after.Image, await imageID(ref('2')));
    assert.equal(after.State.Running, true);
    const worker = await inspect('lab_worker_1');
    assert.equal(worker.Image, workerBefore.Image, 'the worker service is not touched');
    assert.equal(worker.Config.Image, ref('1'));
  });

  test('compose sync: with sync off the compose file is untouched', async () => {
    await stack.settings({ composeSync: false });
    try {
      const { file, text } = await up('off');
      const { container, record } = await updateWeb('off');
      assert.equal((await inspect('off_web_1')).Config.Image, ref('2'), 'the update itself happened');
      assert.equal(readFileSync(file, 'utf8'), text);
      assert.equal(existsSync(`${file}${BACKUP_SUFFIX}`), false);
      assert.equal(findCondition(container.status?.conditions, 'ComposeSynced'), undefined);
      assert.deepEqual((record?.spec.steps ?? []).filter((step) => step.name === 'composeSync'), []);
    } finally {
      await stack.settings({ composeSync: true });
    }
  });

  test('compose sync: a read-only compose file gives ComposeSynced=False naming the path and the reason', async () => {
    const { dir, file, text } = await up('ro');
    // As a `:ro` mount into Vigil's container would: a read-only bind mount of the project folder over itself.
    for (const args of [['--bind', dir, dir], ['-o', 'remount,bind,ro', dir]]) {
      const mounted = spawnSync('mount', args, { encoding: 'utf8' });
      assert.equal(mounted.status, 0, mounted.stderr);
      if (args[0] === '--bind') mounts.push(dir);
    }
    const { container, record } = await updateWeb('ro');
    const condition = findCondition(container.status?.conditions, 'ComposeSynced');
    assert.deepEqual([condition?.status, condition?.reason], ['False', 'ComposeFileNotWritable']);
    assert.match(condition?.message ?? '', new RegExp(`^cannot write compose file ${file}: EROFS`));
    const step = (record?.spec.steps ?? []).find((entry) => entry.name === 'composeSync');
    assert.equal(step?.outcome, 'failed');
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal((await inspect('ro_web_1')).Config.Image, ref('2'), 'the update itself succeeded');
  });
});
