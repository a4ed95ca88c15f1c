// `vigil apply -f DIR --prune`: one pass of the GitOps loop from the command line (docs/gitops.md). The inventory of
// what DIR applied is read from and written back to a suspended ManifestSource, so that the next run prunes exactly
// what left the directory.
import { resolve } from 'node:path';
import { runPass } from '../../controllers/gitops/pass.ts';
import { inventoryRefs, sourceStatus } from '../../controllers/gitops/source-status.ts';
import { readGitCommit } from '../../controllers/gitops/git-revision.ts';
import { loadConnection, type ConnectionFlags } from '../client/connection.ts';
import { objectApi } from '../client/objects.ts';
import { HttpTarget, loadTree, printOutcome, readCliSource, saveCliSource, sourceNameFor, writeCliSourceStatus } from '../gitops.ts';

export interface ApplyDirectoryOptions {
  directory: string;
  prune: boolean;
  source: string | undefined;
  dryRun: boolean;
  connection: ConnectionFlags;
}

export async function applyDirectory(options: ApplyDirectoryOptions): Promise<number> {
  const tree = loadTree(options.directory, 'nothing was applied');
  const config = loadConnection(options.connection);
  const api = objectApi(config);
  const name = options.source ?? sourceNameFor(options.directory);
  const source = await readCliSource(api, name);
  const outcome = await runPass({
    tree,
    sourceName: name,
    previousInventory: inventoryRefs(source?.status),
    previousDigest: source?.status?.lastAppliedDigest,
    prune: options.prune,
    dryRun: options.dryRun,
    target: new HttpTarget(api),
  });
  printOutcome(outcome, options.dryRun ? ' (server dry run)' : '');
  if (!options.dryRun) {
    await saveCliSource(api, name, options.directory, options.prune);
    const current = await readCliSource(api, name);
    const revision = { gitCommit: readGitCommit(resolve(options.directory)), digest: tree.digest };
    await writeCliSourceStatus(config, name, sourceStatus({ previous: current?.status ?? {}, generation: current?.metadata.generation, outcome, revision, nowMs: Date.now() }));
  }
  return outcome.ok ? 0 : 1;
}
