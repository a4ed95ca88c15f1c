// `vigil diff -f DIR [--prune] [--source NAME]`: what one GitOps pass over DIR would change, as server-side dry-run
// applies, printed as a unified diff per object (live → after the pass). Exit 0 without differences, 1 with some,
// above 1 on errors, as `kubectl diff`.
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { runPass, type ObjectResult } from '../../controllers/gitops/pass.ts';
import { inventoryRefs } from '../../controllers/gitops/source-status.ts';
import { refText } from '../../controllers/gitops/ownership.ts';
import type { ResourceObject } from '../../schemas/validation.ts';
import { CONNECTION_OPTIONS, CONNECTION_USAGE, loadConnection } from '../client/connection.ts';
import { CliError, runCommand, UsageError } from '../client/errors.ts';
import { objectApi } from '../client/objects.ts';
import { HttpTarget, loadTree, readCliSource, resultLine, sourceNameFor } from '../gitops.ts';

export const DIFF_USAGE = `Usage: vigil diff -f DIR [options]

Shows what \`vigil apply -f DIR --prune\` (or vigil serve --manifests DIR) would change, without changing anything:
every object is applied as a server-side dry run and compared with the live one. Exit status 0: no differences;
1: differences; 2: an error (an invalid manifest, an unreachable server).

  -f, --filename DIR      the manifest directory
      --prune             also show the objects the pass would prune (from the ManifestSource's inventory)
      --source NAME       the ManifestSource holding the inventory (default: the directory's base name)
${CONNECTION_USAGE}`;

/** An object as a person compares it: without the bookkeeping (a dry-run create even invents a uid). */
function shown(object: ResourceObject | undefined): string {
  if (object === undefined) return '';
  const { managedFields: _managed, resourceVersion: _version, uid: _uid, creationTimestamp: _created, ...metadata } = object.metadata;
  return stringify({ ...object, metadata }, { lineWidth: 0, aliasDuplicateObjects: false });
}

function objectDiff(result: ObjectResult): string {
  const name = result.ref === undefined ? '?' : refText(result.ref);
  const patch = createTwoFilesPatch(`live/${name}`, `merged/${name}`, shown(result.live), shown(result.planned), undefined, undefined, { context: 3 });
  // The header diff(1) -u -N prints, as kubectl diff shows it, instead of jsdiff's "=====" separator.
  const body = patch.split('\n').filter((line) => !/^=+$/.test(line)).join('\n');
  const secretNote = result.ref?.kind === 'Secret' ? '# Secret values are masked over the API: a changed value shows as a new generation\n' : '';
  return `diff -u -N live/${name} merged/${name}\n${secretNote}${body}`;
}

export async function diffCommand(argv: string[]): Promise<number> {
  let differences = false;
  const code = await runCommand('diff', async () => {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: { ...CONNECTION_OPTIONS, filename: { type: 'string', short: 'f' }, prune: { type: 'boolean' }, source: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${DIFF_USAGE}`);
    }
    if (values.help === true) {
      process.stdout.write(DIFF_USAGE);
      return 0;
    }
    if (values.filename === undefined) throw new UsageError(`-f DIR is required\n\n${DIFF_USAGE}`);
    const tree = loadTree(values.filename, 'nothing to compare');
    const api = objectApi(loadConnection({ kubeconfig: values.kubeconfig, server: values.server, dataDir: values['data-dir'] }));
    const name = values.source ?? sourceNameFor(values.filename);
    const source = await readCliSource(api, name, { forWriting: false });
    const outcome = await runPass({
      tree,
      sourceName: name,
      previousInventory: inventoryRefs(source?.status),
      previousDigest: source?.status?.lastAppliedDigest,
      prune: values.prune === true,
      dryRun: true,
      target: new HttpTarget(api),
    });
    if (!outcome.ok) throw new CliError(`${outcome.results.filter((result) => result.action === 'failed').map(resultLine).join('\n')}\n${outcome.message}`);
    const changed = outcome.results.filter((result) => result.action !== 'unchanged' && result.action !== 'skipped');
    for (const result of changed) process.stdout.write(objectDiff(result));
    differences = changed.length > 0;
    return 0;
  });
  // Any error is 2 here: 1 means "differences", as for kubectl diff and diff(1).
  return code !== 0 ? 2 : differences ? 1 : 0;
}
