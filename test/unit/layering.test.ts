// The layers stay layers: the API server (and its REST facade) never imports the controllers — what both use lives in
// domain/ and schemas/, and the rest reaches the facade as services (cli/sentinel-services.ts) — and domain/ imports
// neither. Every import specifier (static, `export … from`, dynamic `import()`, `import type`) of every file is read
// with TypeScript's own pre-processor, so a specifier in a comment or a string does not count and none is missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../testbed/provision.ts';

/** The project-relative paths (with `/`) of the files `file` imports by a relative specifier. */
function importedProjectPaths(file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((entry) => entry.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(projectRoot, resolve(dirname(join(projectRoot, file)), specifier)).split(sep).join('/'));
}

/** `file: specifier target` for every import of a file under `layer` into one of `forbidden`. */
function violations(layer: string, forbidden: readonly string[]): { files: number; found: string[] } {
  const files = globSync(`${layer}/**/*.{ts,tsx}`, { cwd: projectRoot });
  const found: string[] = [];
  for (const file of files) {
    for (const target of importedProjectPaths(file, readFileSync(join(projectRoot, file), 'utf8'))) {
      if (forbidden.some((folder) => target === folder || target.startsWith(`${folder}/`))) found.push(`${file} imports ${target}`);
    }
  }
  return { files: files.length, found };
}

test('the import scan sees static, re-export, type-only and dynamic imports, and ignores comments and strings', () => {
  const sample = [
    "import { a } from '../../controllers/x.ts';",
    "import type { B } from '../../controllers/y.ts';",
    "export { c } from '../../controllers/z.ts';",
    "const d = await import('../../controllers/w.ts');",
    "// import { e } from '../../controllers/comment.ts';",
    "const f = 'from ../../controllers/string.ts';",
  ].join('\n');
  assert.deepEqual(importedProjectPaths('apiserver/sentinel/sample.ts', sample).sort(), [
    'controllers/w.ts',
    'controllers/x.ts',
    'controllers/y.ts',
    'controllers/z.ts',
  ]);
});

test('apiserver/ never imports controllers/', () => {
  const { files, found } = violations('apiserver', ['controllers']);
  assert.ok(files > 50, `only ${files} files found under apiserver/: the scan looks in the wrong place`);
  assert.deepEqual(found, []);
});

test('domain/ imports none of apiserver/, controllers/, cli/ (they build on it)', () => {
  const { files, found } = violations('domain', ['apiserver', 'controllers', 'cli']);
  assert.ok(files >= 5, `only ${files} files found under domain/`);
  assert.deepEqual(found, []);
});
