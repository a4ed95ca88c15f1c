// The one-time setup token: until the first admin exists, POST /setup needs it, so that whoever reaches the port
// first cannot claim a fresh Vigil. It is printed in the log and written to DATA_DIR/setup-token (mode 0600), and it
// lives in this process's memory only: with several replicas, use the token of the replica you send /setup to.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from './tokens.ts';

export const SETUP_TOKEN_FILE = 'setup-token';

export function setupTokenPath(dataDir: string): string {
  return join(dataDir, SETUP_TOKEN_FILE);
}

export function issueSetupToken(dataDir: string | undefined): string {
  const token = randomToken(24);
  if (dataDir !== undefined) {
    const path = setupTokenPath(dataDir);
    // Replace any older file (a previous run's token is void): remove first so the mode of the new file is ours.
    rmSync(path, { force: true });
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  }
  return token;
}

export function removeSetupToken(dataDir: string | undefined): void {
  if (dataDir !== undefined) rmSync(setupTokenPath(dataDir), { force: true });
}
