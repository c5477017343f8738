import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NodupeError } from '../core/errors.js';
import { stateDir } from '../core/xdg.js';
import { nodeFileOps } from '../fs/file-ops.js';
import { untrustedAncestor } from '../fs/trust.js';

/** The token file and the socket, in the runtime folder. */
export const TOKEN_FILE = 'token';
export const SOCKET_FILE = 'serve.sock';

const currentUid = (): number => process.getuid?.() ?? 0;

/**
 * Where `nodupe serve` keeps its token and socket: `$XDG_RUNTIME_DIR/nodupe/`, or, when XDG_RUNTIME_DIR is not
 * set (to an absolute path), `$XDG_STATE_HOME/nodupe/run/` (`~/.local/state/nodupe/run`). Never a name guessable
 * in a shared folder such as /tmp: another user could make it first and keep the server from starting.
 */
export function runtimeDirPath(env: NodeJS.ProcessEnv): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime?.startsWith('/') ? join(runtime, 'nodupe') : join(stateDir(env), 'run');
}

/**
 * Makes the runtime folder (0700) or checks the one there: it must be a folder of the user's own, no symbolic
 * link; one that others may write is refused (anything could have been put in it), one they may only read is made
 * 0700. The folders above it, by their real path, must let no one else rename or replace it: the user's or
 * root's, writable by no one else unless sticky (as /tmp). Else anyone could swap the socket or read the token.
 * Refused as BAD_INPUT (exit 2). Returns the folder's real path, which the token and socket go in.
 */
export function openRuntimeDir(env: NodeJS.ProcessEnv, uid = currentUid()): string {
  const dir = runtimeDirPath(env);
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
  let real: string;
  try {
    // The folders above by their real path (a link on the way is judged where it leads, and used so).
    real = join(realpathSync(dirname(dir)), basename(dir));
  } catch (error) {
    throw new NodupeError('BAD_INPUT', `cannot check the runtime folder ${dir}: ${(error as Error).message}`);
  }
  const st = lstatSync(real, { bigint: true });
  const problem = st.isSymbolicLink()
    ? 'is a symbolic link'
    : !st.isDirectory()
      ? 'is not a folder'
      : Number(st.uid) !== uid
        ? `belongs to another user (uid ${st.uid})`
        : (Number(st.mode) & 0o022) !== 0
          ? `can be written by others (mode ${(Number(st.mode) & 0o7777).toString(8)}), who may have put files in it`
          : undefined;
  if (problem !== undefined) {
    throw new NodupeError(
      'BAD_INPUT',
      `the runtime folder ${real} ${problem}: nodupe serve keeps its token and socket there, so it must be a folder of your own that no one else can write (remove it, or set XDG_RUNTIME_DIR)`,
    );
  }
  const above = untrustedAncestor(nodeFileOps, dirname(real), uid, 'the runtime folder');
  if (above !== undefined) {
    throw new NodupeError(
      'BAD_INPUT',
      `the folder ${above}: nodupe serve keeps its token and socket in ${real} (set XDG_RUNTIME_DIR to a folder of your own)`,
    );
  }
  // Readable by others (a folder made under a loose umask before): nothing could be put in it, so it is closed.
  if ((Number(st.mode) & 0o7077) !== 0) chmodSync(real, 0o700);
  return real;
}

/**
 * Writes `text` to a new 0600 file `name` in the runtime folder (a previous server's is replaced: removed, then
 * made anew, never written through a link); returns its path.
 */
export function writePrivateFile(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  rmSync(path, { force: true });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Writes the token to the runtime folder's `token` file; returns its path. */
export const writeTokenFile = (dir: string, token: string): string =>
  writePrivateFile(dir, TOKEN_FILE, `${token}\n`);
