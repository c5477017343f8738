import { closeSync, lstatSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodupeError } from '../core/errors.js';
import { othersMayChange } from '../fs/trust.js';

/** The token file and the socket, in the runtime folder. */
export const TOKEN_FILE = 'token';
export const SOCKET_FILE = 'serve.sock';

const currentUid = (): number => process.getuid?.() ?? 0;

/**
 * Where `nodupe serve` keeps its token and socket: `$XDG_RUNTIME_DIR/nodupe/`, or, when XDG_RUNTIME_DIR is not
 * set (to an absolute path), `nodupe-<uid>/` in the system's temporary folder.
 */
export function runtimeDirPath(env: NodeJS.ProcessEnv, uid = currentUid()): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime?.startsWith('/') ? join(runtime, 'nodupe') : join(tmpdir(), `nodupe-${uid}`);
}

/**
 * Makes the runtime folder (0700) or checks the one there: it must be a folder of the user's own, no symbolic link,
 * writable by no one else (else anyone could swap the socket or read the token). Refused as BAD_INPUT (exit 2).
 */
export function openRuntimeDir(env: NodeJS.ProcessEnv, uid = currentUid()): string {
  const dir = runtimeDirPath(env, uid);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // A symbolic link to a folder, or a file, is refused below with a clearer message.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new NodupeError(
        'BAD_INPUT',
        `cannot make the runtime folder ${dir}: ${(error as Error).message}`,
      );
    }
  }
  const st = lstatSync(dir, { bigint: true });
  const problem = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isDirectory()
      ? 'is not a folder'
      : othersMayChange(st, uid, { rootOk: false, stickyOk: false });
  if (problem !== undefined) {
    throw new NodupeError(
      'BAD_INPUT',
      `the runtime folder ${dir} ${problem}: nodupe serve keeps its token and socket there, so it must be a folder of your own that no one else can write (remove it, or set XDG_RUNTIME_DIR)`,
    );
  }
  return dir;
}

/** Writes the token to a new 0600 file in the runtime folder (a previous server's is replaced); returns its path. */
export function writeTokenFile(dir: string, token: string): string {
  const path = join(dir, TOKEN_FILE);
  rmSync(path, { force: true });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  return path;
}
