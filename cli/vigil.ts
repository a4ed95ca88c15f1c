#!/usr/bin/env -S node --max-semi-space-size=2
// The `vigil` executable: one entry, one small module per command.
// The shebang caps V8's young generation at 2 MiB per semi-space: Vigil's allocations are small and short-lived, and
// the default (up to 16 MiB each) kept ~25 MiB more resident for no measurable gain (docs/performance.md).
import { vigilVersion } from '../apiserver/version.ts';

const USAGE = `Usage: vigil COMMAND [options]

Commands:
  serve        run the API server and controllers (vigil serve --help)
  kubeconfig   print the kubeconfig for kubectl and other clients
  apply        create or update objects from manifests (vigil apply -f FILE|DIR; -f DIR --prune: a GitOps pass)
  diff         show what a GitOps pass over a directory would change (vigil diff -f DIR)
  get          list or show objects (vigil get containers)
  delete       delete objects (vigil delete container NAME, vigil delete -f FILE|DIR)
  version      print the version

Every command takes --help.
`;

type Command = (argv: string[]) => Promise<number>;

// Each command is loaded only when run: the client commands pull in @kubernetes/client-node, which the server does
// not need in memory, and the server pulls in fastify and the store, which a quick `vigil get` need not load.
const commands: Record<string, Command> = {
  serve: async (argv) => (await import('./commands/serve.ts')).serveCommand(argv),
  kubeconfig: async (argv) => (await import('./commands/kubeconfig.ts')).kubeconfigCommand(argv),
  apply: async (argv) => (await import('./commands/apply.ts')).applyCommand(argv),
  diff: async (argv) => (await import('./commands/diff.ts')).diffCommand(argv),
  get: async (argv) => (await import('./commands/get.ts')).getCommand(argv),
  delete: async (argv) => (await import('./commands/delete.ts')).deleteCommand(argv),
  version: async () => {
    process.stdout.write(`vigil ${vigilVersion} (node ${process.version})\n`);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`vigil: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  return await command(rest);
}

process.exitCode = await main(process.argv.slice(2));
