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
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  /**
   * The seal of this machine's journal in catalog `catalogId`: its key read from the state folder, or made there
   * when `create` and there is none. Without a key (and not `create`) every check fails, with the key's place
   * named.
   */
  static open(catalogId: string, machineId: string, env: NodeJS.ProcessEnv): JournalSeal {
    const folder = join(stateDir(env), 'journal-keys');
    const file = join(folder, `${catalogId}-${machineId}`);
    return new JournalSeal(readKey(file) ?? makeKey(folder, file));
  }

  /** The seal of a row of `kind` whose columns are `values` (in a fixed order per kind). */
  of(kind: SealedKind, values: readonly SealedValue[]): Buffer {
    const mac = createHmac('sha256', this.#key).update(kind);
    for (const value of values) mac.update(`\x1f${encode(value)}`);
    return mac.digest();
  }

  /** Throws unless `seal` is the seal of the row; `what` names it in the refusal ("run 3", "entry 12 of run 3"). */
  check(kind: SealedKind, values: readonly SealedValue[], seal: Buffer | null, what: string): void {
    const expected = this.of(kind, values);
    if (seal !== null && seal.length === expected.length && timingSafeEqual(seal, expected)) return;
    throw new NodupeError(
      'BAD_INPUT',
      `the journal's record of ${what} in the shared catalog is not as this machine wrote it (its seal ` +
        `${seal === null ? 'is missing' : 'does not match'}): changed by someone else, or this machine's ` +
        `journal key in nodupe's state folder (journal-keys/) was lost. nodupe will not act on it; the files it ` +
        'quarantined are still in their quarantine folder',
    );
  }
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
function readKey(file: string): Buffer | undefined {
  const uid = process.geteuid?.() ?? 0;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw untrusted(file, 'is a symbolic link');
    throw error;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw untrusted(file, 'is not a regular file');
    if (st.uid !== uid) throw untrusted(file, `belongs to another user (uid ${st.uid})`);
    if ((st.mode & 0o077) !== 0)
      throw untrusted(file, `can be read by others (mode ${(st.mode & 0o777).toString(8)})`);
    const folder = lstatSync(dirname(file));
    if (!folder.isDirectory() || folder.uid !== uid || (folder.mode & 0o077) !== 0) {
      throw untrusted(dirname(file), 'is not a folder of this user that no one else may enter (0700)');
    }
    const key = readFileSync(fd);
    if (key.length !== 32) {
      throw new NodupeError('BAD_INPUT', `the journal key ${file} is damaged (${key.length} bytes, not 32)`);
    }
    return key;
  } finally {
    closeSync(fd);
  }
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
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const uid = process.geteuid?.() ?? 0;
  const st = lstatSync(folder);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw untrusted(folder, 'is not a folder of this user that no one else may enter (0700)');
  }
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
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKey(file)!;
    throw error;
  } finally {
    unlinkSync(aside);
  }
}
