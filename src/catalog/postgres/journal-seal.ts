import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { NodupeError } from '../../core/errors.js';
import { stateDir } from '../../core/xdg.js';
import { nodeFileOps } from '../../fs/file-ops.js';
import { untrustedAncestor } from '../../fs/trust.js';

/** What a seal covers: a run's record or its state, one entry's intent or its state, or one folder a run made. */
export type SealedKind = 'run' | 'run-state' | 'entry' | 'entry-state' | 'folder';

/** A value of a sealed column, as written or as read back (integers as number or bigint, bytes as Buffer). */
type SealedValue = string | number | bigint | Buffer | Uint8Array | null | undefined;

/**
 * The seal of this machine's journal in a shared catalog. Every machine that can write the catalog can write
 * its tables, so a journal row could be changed by another machine's user: a quarantined file's target, a
 * path undo puts a file back at, an entry marked purged so that undo gives its file up, a run made to look like
 * this machine's. Each run and its state, each entry's intent and its state, and each folder a run made is
 * written with an HMAC-SHA256 of its columns, under a key only this machine's user can read
 * (`journal-keys/<catalog id>-<machine id>` in nodupe's state folder, 0600 in a 0700 folder, made on first use);
 * apply, resume, undo and purge check it before acting, and refuse a row whose seal is missing or wrong. Not
 * sealed: the figures (bytes freed, reasons), and whether rows were deleted (a deleted entry's file stays where
 * its action put it).
 */
export class JournalSeal {
  readonly #folder: string;
  readonly #file: string;
  #key: Buffer | undefined;

  private constructor(folder: string, file: string) {
    this.#folder = folder;
    this.#file = file;
  }

  /**
   * The seal of this machine's journal in catalog `catalogId`, its key in the state folder. The key is read when
   * first needed, and made only by a write (a run started): a command that only reads never makes one, so a key
   * moved away is never silently replaced by reading the journal. Without a key every check fails, with its
   * place named.
   */
  static open(catalogId: string, machineId: string, env: NodeJS.ProcessEnv): JournalSeal {
    const folder = join(stateDir(env), 'journal-keys');
    return new JournalSeal(folder, join(folder, `${catalogId}-${machineId}`));
  }

  /** The seal of a row of `kind` whose columns are `values` (in a fixed order per kind); makes the key if none. */
  of(kind: SealedKind, values: readonly SealedValue[]): Buffer {
    this.#key ??= readKey(this.#folder, this.#file) ?? makeKey(this.#folder, this.#file);
    return mac(this.#key, kind, values);
  }

  /** Throws unless `seal` is the seal of the row; `what` names it in the refusal ("run 3", "entry 12 of run 3"). */
  check(kind: SealedKind, values: readonly SealedValue[], seal: Buffer | null, what: string): void {
    this.#key ??= readKey(this.#folder, this.#file);
    const expected = this.#key === undefined ? undefined : mac(this.#key, kind, values);
    if (expected !== undefined && seal !== null && seal.length === expected.length) {
      if (timingSafeEqual(seal, expected)) return;
    }
    throw new NodupeError(
      'BAD_INPUT',
      `the journal's record of ${what} in the shared catalog is not as this machine wrote it (its seal ` +
        `${seal === null ? 'is missing' : 'does not match'}${this.#key === undefined ? `, and this machine has no journal key at ${this.#file}` : ''}): changed by someone else, or this machine's ` +
        `journal key in nodupe's state folder (journal-keys/) was lost. nodupe will not act on it; the files it ` +
        'quarantined are still in their quarantine folder',
    );
  }
}

function mac(key: Buffer, kind: SealedKind, values: readonly SealedValue[]): Buffer {
  const hmac = createHmac('sha256', key).update(kind);
  for (const value of values) hmac.update(`\x1f${encode(value)}`);
  return hmac.digest();
}

/** One column's value as sealed text: integers by their decimal digits whatever their JS type, bytes as hex. */
function encode(value: SealedValue): string {
  if (value === null || value === undefined) return 'n';
  if (typeof value === 'string') return `s${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `i${BigInt(value).toString()}`;
  return `x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/**
 * The key at `file`, or undefined when there is none. Taken only when no one else could have put it there or read
 * it: a regular file (not followed if it is a link) of this user's, readable by no one else, in a folder of this
 * user's that no one else may enter.
 */
function readKey(folder: string, file: string): Buffer | undefined {
  const uid = process.geteuid?.() ?? 0;
  if (!trustedFolder(folder, uid, false)) return undefined;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw untrusted(file, 'is a symbolic link');
    throw untrusted(file, `cannot be read (${code ?? String(error)})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw untrusted(file, 'is not a regular file');
    if (st.uid !== uid) throw untrusted(file, `belongs to another user (uid ${st.uid})`);
    if ((st.mode & 0o077) !== 0)
      throw untrusted(file, `can be read by others (mode ${(st.mode & 0o777).toString(8)})`);
    const key = readFileSync(fd);
    if (key.length !== 32) {
      throw new NodupeError('BAD_INPUT', `the journal key ${file} is damaged (${key.length} bytes, not 32)`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether the key's folder is one no one else could have put a key in or read it from: a folder of this user's,
 * 0700, below folders no one else may rename or replace. With `make`, it is made first when missing. A folder
 * that is missing (and not to be made) is `false`: there is no key; any other problem is refused.
 */
function trustedFolder(folder: string, uid: number, make: boolean): boolean {
  if (make) mkdirSync(folder, { recursive: true, mode: 0o700 });
  let st;
  try {
    st = lstatSync(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw untrusted(
      folder,
      `cannot be looked at (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw untrusted(folder, 'is not a folder of this user that no one else may enter (0700)');
  }
  const above = untrustedAncestor(nodeFileOps, dirname(folder), uid, 'the journal keys');
  if (above !== undefined) throw untrusted(folder, `lies below a folder others may change: ${above}`);
  return true;
}

function untrusted(path: string, problem: string): NodupeError {
  return new NodupeError(
    'BAD_INPUT',
    `the journal key ${path} ${problem}: someone else could have put it there or read it, so the shared ` +
      "catalog's journal cannot be trusted with it; refused",
  );
}

/**
 * Makes the key, readable by this user only, whole before it has its name (written aside, then linked): another
 * process making it at the same moment either wins, and its key is read, or loses to this one.
 */
function makeKey(folder: string, file: string): Buffer {
  trustedFolder(folder, process.geteuid?.() ?? 0, true);
  const key = randomBytes(32);
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(aside, 'wx', 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(aside, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKey(folder, file)!;
    throw error;
  } finally {
    unlinkSync(aside);
  }
}
