// Compose file sync on real files in a temp folder: which file of an override chain is written, the backup, the
// atomic replace keeping the mode, and every failure as a result naming the path and the reason.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKUP_SUFFIX, syncComposeImage } from '../../../../controllers/update/compose/compose-sync.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-compose-sync-'));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
function project(files: Record<string, string>): string {
  const dir = join(root, `p${count++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o640 });
  return dir;
}

const BASE = 'services:\n  web:\n    image: app:1 # web\n  db:\n    image: db:1\n';

describe('compose sync on files', () => {
  test('rewrites the file, keeps the old text as FILE.vigil-backup and the mode, leaves no temporary file', async () => {
    const dir = project({ 'compose.yaml': BASE });
    const result = await syncComposeImage({ service: 'web', workingDir: dir, configFiles: [join(dir, 'compose.yaml')] }, 'app:2');
    assert.deepEqual([result.synced, result.reason, result.path], [true, 'Synced', join(dir, 'compose.yaml')]);
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), 'services:\n  web:\n    image: app:2 # web\n  db:\n    image: db:1\n');
    assert.equal(readFileSync(join(dir, `compose.yaml${BACKUP_SUFFIX}`), 'utf8'), BASE);
    assert.equal(statSync(join(dir, 'compose.yaml')).mode & 0o777, 0o640);
    assert.deepEqual(readdirSync(dir).sort(), ['compose.yaml', `compose.yaml${BACKUP_SUFFIX}`]);
    const again = await syncComposeImage({ service: 'web', workingDir: dir, configFiles: ['compose.yaml'] }, 'app:2');
    assert.deepEqual([again.synced, again.reason], [true, 'AlreadyCurrent'], 'a relative config file is found under the working dir; nothing to do twice');
  });

  test('override chain: the last file that names the image is written, the others are untouched', async () => {
    const override = 'services:\n  web:\n    image: app:1-custom\n    environment: [A=1]\n';
    const env = 'services:\n  web:\n    restart: always\n';
    const dir = project({ 'docker-compose.yml': BASE, 'docker-compose.override.yml': override, 'env.yml': env });
    const files = ['docker-compose.yml', 'docker-compose.override.yml', 'env.yml'].map((name) => join(dir, name));
    const result = await syncComposeImage({ service: 'web', workingDir: dir, configFiles: files }, 'app:2');
    assert.equal(result.path, files[1]);
    assert.equal(readFileSync(files[1] ?? '', 'utf8'), override.replace('app:1-custom', 'app:2'));
    assert.equal(readFileSync(files[0] ?? '', 'utf8'), BASE);
    assert.equal(readFileSync(files[2] ?? '', 'utf8'), env);
  });

  test('an image from a variable: not rewritten, the result names the variable to change', async () => {
    const text = 'services:\n  web:\n    image: app:${WEB_TAG}\n';
    const dir = project({ 'compose.yaml': text });
    const result = await syncComposeImage({ service: 'web', configFiles: [join(dir, 'compose.yaml')] }, 'app:2');
    assert.deepEqual([result.synced, result.reason], [false, 'ImageFromVariable']);
    assert.match(result.message, /change WEB_TAG .* so that it names app:2/);
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), text);
  });

  test('a file Vigil cannot read: ComposeFileUnreadable naming the path and the mount to make', async () => {
    const missing = join(root, 'not-mounted', 'compose.yaml');
    const result = await syncComposeImage({ service: 'web', configFiles: [missing] }, 'app:2');
    assert.deepEqual([result.synced, result.reason, result.path], [false, 'ComposeFileUnreadable', missing]);
    assert.equal(result.message, `cannot read compose file ${missing}: ENOENT (mount the compose project's directory into Vigil's container at the same path as on the host)`);
  });

  test('a file Vigil cannot write: ComposeFileNotWritable, and the file is unchanged', async () => {
    const dir = project({ 'compose.yaml': BASE });
    // The backup cannot be created (a folder holds its name): the write fails before the file is touched.
    mkdirSync(join(dir, `compose.yaml${BACKUP_SUFFIX}`));
    const result = await syncComposeImage({ service: 'web', configFiles: [join(dir, 'compose.yaml')] }, 'app:2');
    assert.deepEqual([result.synced, result.reason], [false, 'ComposeFileNotWritable']);
    assert.match(result.message, new RegExp(`^cannot write compose file ${join(dir, 'compose.yaml')}: EISDIR`));
    assert.equal(readFileSync(join(dir, 'compose.yaml'), 'utf8'), BASE);
  });

  test('no file names the image (a build-only service): ServiceImageNotFound', async () => {
    const dir = project({ 'compose.yaml': 'services:\n  web:\n    build: .\n' });
    const result = await syncComposeImage({ service: 'web', configFiles: [join(dir, 'compose.yaml')] }, 'app:2');
    assert.deepEqual([result.synced, result.reason], [false, 'ServiceImageNotFound']);
  });
});
