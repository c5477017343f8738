import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { NodupeError } from '../core/errors.js';
import { readManifest } from './manifest-json.js';
import type { Manifest } from './manifest.js';

/**
 * Reads and checks the manifest in `file` (see `readManifest`): a missing or unreadable file, or a manifest that
 * is not valid, is a BAD_INPUT error naming it as `shown` (with `dir`, the folder it was looked for in, the hint
 * says how to make one). With `follow` false (the default manifest, a name nodupe chose), a symbolic link there is
 * not followed and only a regular file is read. Only the manifest is read, never the tree it lists.
 */
export function readManifestFile(
  file: string,
  shown: string,
  { dir, follow = true }: { dir?: string; follow?: boolean } = {},
): Manifest {
  let text: string;
  try {
    text = follow ? readFileSync(file, 'utf8') : readOwnName(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTREGULAR') {
      throw new NodupeError(
        'BAD_INPUT',
        `${shown} is ${code === 'ELOOP' ? 'a symbolic link' : 'not a regular file'}: the default manifest is read only from a regular file`,
        { cause: error, hint: '--manifest FILE names the manifest to read (links followed)' },
      );
    }
    if (code === 'ENOENT') {
      throw new NodupeError('BAD_INPUT', `there is no manifest at ${shown}`, {
        cause: error,
        ...(dir === undefined
          ? {}
          : { hint: `\`nodupe manifest write ${dir}\` makes one; --manifest FILE names one elsewhere` }),
      });
    }
    throw new NodupeError('BAD_INPUT', `cannot read the manifest ${shown}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return readManifest(text, shown);
}

/** The text of the regular file at `file`, its last name not followed through a link (ELOOP), nor a FIFO waited on. */
function readOwnName(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile())
      throw Object.assign(new Error('not a regular file'), { code: 'ENOTREGULAR' });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
