// `vigil kubeconfig [--data-dir DIR] [--server URL]`: prints the kubeconfig of the local server (the one
// `vigil serve` wrote into its data directory), or one for the server at URL.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kubeconfigPath, kubeconfigYaml } from '../kubeconfig.ts';
import { CliError, runCommand, UsageError } from '../client/errors.ts';
import { resolveDataDir } from '../client/connection.ts';

export const KUBECONFIG_USAGE = `Usage: vigil kubeconfig [--data-dir DIR] [--server URL]

Prints a kubeconfig for kubectl and other Kubernetes clients:
  vigil kubeconfig > ~/.kube/vigil && kubectl --kubeconfig ~/.kube/vigil get containers

  --data-dir DIR   the data directory of vigil serve (env VIGIL_DATA_DIR, default ./data): prints DIR/kubeconfig,
                   which holds an admin's API token (written once the first admin is set up)
  --server URL     print a kubeconfig for the server at URL instead, without credentials: add an API token
                   (POST /api/auth/tokens) as users[0].user.token
`;

export async function kubeconfigCommand(argv: string[]): Promise<number> {
  return await runCommand('kubeconfig', async () => {
    let values: { 'data-dir'?: string | undefined; server?: string | undefined; help?: boolean | undefined };
    try {
      ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { 'data-dir': { type: 'string' }, server: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
    } catch (error) {
      throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${KUBECONFIG_USAGE}`);
    }
    if (values.help === true) {
      process.stdout.write(KUBECONFIG_USAGE);
      return 0;
    }
    if (values.server !== undefined) {
      if (!/^https?:\/\/[^/]+/.test(values.server)) throw new UsageError(`invalid --server ${JSON.stringify(values.server)}: expected a URL such as http://127.0.0.1:8080`);
      process.stdout.write(kubeconfigYaml({ server: values.server.replace(/\/+$/, '') }));
      return 0;
    }
    const path = kubeconfigPath(resolveDataDir(values['data-dir'], process.env));
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch {
      throw new CliError(`no kubeconfig at ${path}: vigil serve writes it once the first admin is set up with POST /setup (or pass --server URL)`);
    }
    process.stdout.write(content);
    return 0;
  });
}
