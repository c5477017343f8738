import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { getSystemErrorMap } from 'node:util';
import type { RecordStat } from '../model/records.js';

/**
 * The native folder reader (native/read-dir.c, built by node-gyp when nodupe is installed): it lists a folder
 * and stats each file and folder relative to the open folder (fstatat), as find does, where Node can only
 * lstat a full path. Optional: when it was not built (no compiler), or `NODUPE_WALK_READER=js` is set, folders
 * are read in JavaScript. Loaded on first use, once per thread.
 */

/** What an entry is, as the readers say it (the addon's numbers). */
export const ENTRY = { file: 0, dir: 1, link: 2, other: 3 } as const;
export type EntryKind = (typeof ENTRY)[keyof typeof ENTRY];

/** Where the walk's folder reader comes from: the addon, or JavaScript and why. */
export type WalkReader = { reader: 'native' } | { reader: 'js'; reason: string };

/** The buffers the addon writes into, reused from folder to folder; it replaces them by larger ones as needed. */
interface Out {
  names: Uint8Array;
  records: BigUint64Array;
}

interface Addon {
  /** The entries' count, or -errno when the folder cannot be opened or read. */
  readDir(path: Uint8Array, out: Out): number;
}

// Built, this module sits in dist/scan/ or (bundled) in dist/bundle/; as source, in src/scan/: the package root
// is two folders up from each.
const addonUrl = new URL('../../native/build/Release/nodupe_read_dir.node', import.meta.url);

let loaded: { addon: Addon } | { reason: string } | undefined;

function load(): { addon: Addon } | { reason: string } {
  if (loaded) return loaded;
  try {
    loaded = { addon: createRequire(import.meta.url)(fileURLToPath(addonUrl)) as Addon };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    loaded = { reason: e.code === 'MODULE_NOT_FOUND' ? 'the native reader is not built' : e.message };
  }
  return loaded;
}

/** Which reader the walk uses in this process: the native one unless it is missing or turned off. */
export function walkReader(): WalkReader {
  if (process.env.NODUPE_WALK_READER === 'js') return { reader: 'js', reason: 'NODUPE_WALK_READER=js' };
  const l = load();
  return 'addon' in l ? { reader: 'native' } : { reader: 'js', reason: l.reason };
}

/** The reader, as `--profile` shows it: "folder reader: native", or "folder reader: JavaScript (why)". */
export function describeWalkReader(): string {
  const r = walkReader();
  if (r.reader === 'native') return 'folder reader: native';
  const hint = r.reason === 'NODUPE_WALK_READER=js' ? '' : '; `npm rebuild nodupe` builds it';
  return `folder reader: JavaScript (${r.reason}${hint})`;
}

// The layout of an entry's record: RECORD_WORDS 64-bit words (see native/read-dir.c); kinds, errnos and names are
// read as 32-bit halves (little-endian), so that no BigInt is made for them.
const RECORD_WORDS = 8;
const WORD_DEV = 0;
const WORD_INO = 1;
const WORD_SIZE = 2;
const WORD_MTIME_NS = 3;
const WORD_CTIME_NS = 4;
const WORD_NLINK = 5;
const WORD_KIND_ERRNO = 6;
const WORD_NAME = 7;

/** A folder's entries, listed and stat'ed by the addon; valid until the next `list`. */
export class NativeListing {
  readonly #addon: Addon;
  readonly #out: Out = { names: new Uint8Array(64 * 1024), records: new BigUint64Array(RECORD_WORDS * 1024) };
  #records = this.#out.records;
  #signed = new BigInt64Array(this.#records.buffer);
  #words = new Uint32Array(this.#records.buffer);
  #names = this.#out.names;
  count = 0;

  constructor() {
    const l = load();
    if (!('addon' in l)) throw new Error(l.reason);
    this.#addon = l.addon;
  }

  /** Lists `folder`; throws as `readdirSync` does (`scandir`) when it cannot be opened or read. */
  list(folder: Buffer): void {
    const n = this.#addon.readDir(folder, this.#out);
    if (n < 0) throw systemError(-n, 'scandir', folder);
    this.count = n;
    if (this.#out.records !== this.#records) {
      this.#records = this.#out.records;
      this.#signed = new BigInt64Array(this.#records.buffer);
      this.#words = new Uint32Array(this.#records.buffer);
    }
    this.#names = this.#out.names;
  }

  kind(i: number): EntryKind {
    return this.#words[2 * (i * RECORD_WORDS + WORD_KIND_ERRNO)]! as EntryKind;
  }

  nameLength(i: number): number {
    return this.#words[2 * (i * RECORD_WORDS + WORD_NAME) + 1]!;
  }

  /** Copies entry `i`'s name into `target` at `at`. */
  copyName(i: number, target: Uint8Array, at: number): void {
    const start = this.#words[2 * (i * RECORD_WORDS + WORD_NAME)]!;
    target.set(this.#names.subarray(start, start + this.nameLength(i)), at);
  }

  /** Entry `i`'s lstat, made when it was listed (files and folders only); throws as `lstatSync` would. */
  lstat(i: number, path: Buffer): RecordStat {
    const base = i * RECORD_WORDS;
    const errno = this.#words[2 * (base + WORD_KIND_ERRNO) + 1]!;
    if (errno !== 0) throw systemError(errno, 'lstat', path);
    const r = this.#records;
    return {
      dev: r[base + WORD_DEV]!,
      ino: r[base + WORD_INO]!,
      size: r[base + WORD_SIZE]!,
      mtimeNs: this.#signed[base + WORD_MTIME_NS]!,
      ctimeNs: this.#signed[base + WORD_CTIME_NS]!,
      nlink: r[base + WORD_NLINK]!,
    };
  }
}

/** The error Node throws for `errno` from `syscall` on `path`: same code, errno and message. */
function systemError(errno: number, syscall: string, path: Buffer): NodeJS.ErrnoException {
  const [code, text] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, `unknown error ${errno}`];
  const shown = path.toString();
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${shown}'`), {
    errno: -errno,
    code,
    syscall,
    path: shown,
  });
}
