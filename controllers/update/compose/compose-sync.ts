// Compose file sync, the file side: after an update (or a rollback) the `image:` of the container's service in the
// compose file that defines it is set to the reference the container now runs, so that the next `docker compose up -d`
// keeps it instead of putting the old tag back. The file is found from the container's compose labels (config files,
// working dir, service), written through a temporary file and a rename, with the previous text kept beside it as
// `FILE.vigil-backup`. Every way it can fail is a result that names the path and the reason: never a silent skip.
import { chmod, chown, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { rewriteServiceImage, serviceImage } from './compose-file.ts';

export const BACKUP_SUFFIX = '.vigil-backup';

/** Where a compose service is defined (ComposeInfo, from the com.docker.compose.* labels). */
export interface ComposeTarget {
  service: string;
  /** com.docker.compose.project.working_dir: relative config files are relative to it. */
  workingDir?: string;
  /** com.docker.compose.project.config_files, in compose's order (later files override earlier ones). */
  configFiles: string[];
}

export type ComposeSyncReason =
  | 'Synced'
  | 'AlreadyCurrent'
  | 'ComposeFileUnreadable'
  | 'ComposeFileNotWritable'
  | 'ComposeFileInvalid'
  | 'ServiceImageNotFound'
  | 'ImageFromVariable';

export interface ComposeSyncResult {
  synced: boolean;
  reason: ComposeSyncReason;
  message: string;
  /** The compose file that names the image (or the one that could not be read). */
  path?: string;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

function filesOf(target: ComposeTarget): string[] {
  return target.configFiles.map((file) => (isAbsolute(file) || target.workingDir === undefined ? file : resolve(target.workingDir, file)));
}

const NOT_MOUNTED_HINT = "mount the compose project's directory into Vigil's container at the same path as on the host";

/** The last file of the override chain that names the service's image, with its text. */
async function definingFile(target: ComposeTarget): Promise<{ path: string; text: string } | ComposeSyncResult> {
  const files = filesOf(target);
  for (const path of files.toReversed()) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = errorText(error);
      const hint = code === 'ENOENT' ? ` (${NOT_MOUNTED_HINT})` : '';
      return { synced: false, reason: 'ComposeFileUnreadable', path, message: `cannot read compose file ${path}: ${code}${hint}` };
    }
    const found = serviceImage(text, target.service);
    if (found.kind === 'invalid') return { synced: false, reason: 'ComposeFileInvalid', path, message: `compose file ${path}: ${found.message}` };
    if (found.kind === 'found') return { path, text };
  }
  return { synced: false, reason: 'ServiceImageNotFound', message: `no image: line for service ${target.service} in ${files.join(', ')}` };
}

/** Replaces `path` by `text` atomically (same directory, same mode and owner), the old text kept as a backup. */
async function replaceFile(path: string, oldText: string, text: string): Promise<void> {
  const info = await stat(path);
  await writeFile(`${path}${BACKUP_SUFFIX}`, oldText, { mode: info.mode & 0o777 });
  const temporary = join(dirname(path), `.${basename(path)}.vigil-${process.pid}.tmp`);
  try {
    await writeFile(temporary, text, { mode: info.mode & 0o777 });
    await chmod(temporary, info.mode & 0o777);
    // Keep the owner when Vigil may (it runs as root in its image); as another user the file becomes Vigil's.
    await chown(temporary, info.uid, info.gid).catch(() => undefined);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Sets the service's image to `image` in the compose file that defines it. */
export async function syncComposeImage(target: ComposeTarget, image: string): Promise<ComposeSyncResult> {
  const file = await definingFile(target);
  if (!('text' in file)) return file;
  const { path, text } = file;
  const rewrite = rewriteServiceImage(text, target.service, image);
  switch (rewrite.kind) {
    case 'unchanged':
      return { synced: true, reason: 'AlreadyCurrent', path, message: `${path}: service ${target.service} already names ${image}` };
    case 'absent':
      return { synced: false, reason: 'ServiceImageNotFound', path, message: `${path}: no image: line for service ${target.service}` };
    case 'invalid':
      return { synced: false, reason: 'ComposeFileInvalid', path, message: `compose file ${path}: ${rewrite.message}` };
    case 'variable': {
      const names = rewrite.variables.map((name) => `\${${name}}`).join(', ');
      return {
        synced: false,
        reason: 'ImageFromVariable',
        path,
        message: `${path}: the image of service ${target.service} is "${rewrite.previous}", set by ${names}: change ${rewrite.variables.join(', ')} (in .env or the environment of docker compose) so that it names ${image}`,
      };
    }
    case 'rewritten':
      try {
        await replaceFile(path, text, rewrite.text);
      } catch (error) {
        return { synced: false, reason: 'ComposeFileNotWritable', path, message: `cannot write compose file ${path}: ${errorText(error)} (${NOT_MOUNTED_HINT}, read-write)` };
      }
      return { synced: true, reason: 'Synced', path, message: `${path}: service ${target.service} image ${rewrite.previous} → ${image} (previous file kept as ${basename(path)}${BACKUP_SUFFIX})` };
  }
}
