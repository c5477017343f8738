import { checkNumber, NodupeError } from '../../core/errors.js';
import { transferables } from '../../model/records.js';
import type { VolumeMap } from '../identity.js';
import type { CatalogRows, ScanWriter, ScanWriterOptions } from '../store.js';
import { SyncPostgres } from './sync-client.js';
import { BUMP_VERSION } from './version.js';

const STAGING = `CREATE TEMP TABLE IF NOT EXISTS staging (
  volume text, path bytea, dev bigint, ino bigint, size bigint, mtime_ns bigint, ctime_ns bigint,
  hash_alg text, head_hash text, tail_hash text, full_hash text, type text) ON COMMIT DELETE ROWS`;

const COPY = `COPY staging (volume, path, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash,
  full_hash, type) FROM STDIN`;

/**
 * One statement per batch, from the staging table: first_seen is kept unless the row was gone, gone_at is
 * cleared, last_seen and last_scan say when a scan last wrote it (as SQLite's RowWriter). A path given twice in a
 * batch (two mounts of one volume) is written once. $1 machine, $2 now, $3 scan.
 */
const UPSERT = `INSERT INTO files AS f (volume, path, machine, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash,
    tail_hash, full_hash, first_seen, last_seen, last_scan, type)
  SELECT DISTINCT ON (volume, path) volume, path, $1, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash,
    tail_hash, full_hash, $2::int8, $2::int8, $3::int8, type
  FROM staging ORDER BY volume, path
  ON CONFLICT (volume, path) DO UPDATE SET
    machine = excluded.machine, dev = excluded.dev, ino = excluded.ino, size = excluded.size,
    mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, hash_alg = excluded.hash_alg,
    head_hash = excluded.head_hash, tail_hash = excluded.tail_hash, full_hash = excluded.full_hash,
    type = excluded.type,
    first_seen = CASE WHEN f.gone_at IS NULL THEN f.first_seen ELSE excluded.first_seen END,
    last_seen = excluded.last_seen, last_scan = excluded.last_scan, gone_at = NULL`;

/** The store's own connection, lent to a writer for a small scan, and how to count its writes as the store's. */
export interface SharedConnection {
  db: SyncPostgres;
  /**
   * Counts batches sent on it (+1) and failed (-1) as the store's own changes, as SQLite's writes on the calling
   * thread are: counted when sent, so that the store never sees its own write as another's meanwhile.
   */
  ownWrites(change: number): void;
  /** Counts the rows a scan writes (on any connection): the store refreshes the planner's statistics after many. */
  wrote(scanId: number, rows: number): void;
}

const DEFAULT_THREAD_ABOVE = 5000;

/**
 * A scan's writer on a PostgreSQL catalog: each batch one transaction of COPY into a staging table and one upsert
 * from it, sent without waiting, so the walk and the hashing go on meanwhile. A small scan's batches go through
 * the store's own connection; past `threadAbove` rows, the writer opens a connection of its own (its own worker
 * thread, as SQLite's writer thread), whose batches are sent once the earlier ones are committed, in order.
 * Paths become volume and place here, on the calling thread.
 */
export class PostgresScanWriter implements ScanWriter {
  readonly #url: string;
  readonly #machine: string;
  readonly #scanId: number;
  readonly #paths: VolumePaths;
  readonly #shared: SharedConnection;
  readonly #threadAbove: number;
  #queued = 0;
  #own: SyncPostgres | undefined;
  #staged = new Set<SyncPostgres>();
  #failure: Error | undefined;
  /** Settles once everything sent so far is committed (or failed). */
  #last: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | undefined;

  constructor(
    url: string,
    machine: string,
    volumes: VolumeMap,
    scanId: number,
    shared: SharedConnection,
    options: ScanWriterOptions = {},
  ) {
    this.#url = url;
    this.#machine = machine;
    this.#paths = new VolumePaths(volumes);
    this.#scanId = scanId;
    this.#shared = shared;
    this.#threadAbove = checkNumber('threadAbove', options.threadAbove ?? DEFAULT_THREAD_ABOVE, {
      integer: true,
      min: 0,
    });
  }

  write(rows: CatalogRows, at: number): void {
    this.#checkOpen();
    if (rows.count === 0 || this.#failure !== undefined) return;
    // Taken, as the interface says: the caller must not read the batch after.
    const taken = structuredClone(rows, { transfer: transferables(rows) });
    const text = this.#copyText(taken);
    const now = BigInt(Math.round(at));
    this.#queued += taken.count;
    this.#shared.wrote(this.#scanId, taken.count);
    this.#send((db) => [
      db.queryAsync('BEGIN'),
      db.copyFromAsync(COPY, text),
      db.queryAsync(UPSERT, [this.#machine, now, this.#scanId]),
      db.queryAsync(BUMP_VERSION),
      db.queryAsync('COMMIT'),
    ]);
  }

  seen(files: number): void {
    this.#checkOpen();
    if (this.#failure !== undefined) return;
    this.#send((db) => [
      db.queryAsync('UPDATE scans SET files_seen = $1 WHERE id = $2', [files, this.#scanId]),
    ]);
  }

  flush(): Promise<void> {
    return this.#last.then(() => {
      if (this.#failure !== undefined) throw this.#failure;
    });
  }

  close(): Promise<void> {
    return (this.#closed ??= this.flush().finally(() => this.#own?.close()));
  }

  /** Sends a batch's statements on the connection it goes through; those of the own one after what went before. */
  #send(statements: (db: SyncPostgres) => Promise<unknown>[]): void {
    const onShared = this.#own === undefined && this.#queued <= this.#threadAbove;
    if (onShared) {
      // Settled into #last, which flush awaits.
      void this.#settle(this.#staging(this.#shared.db), statements(this.#shared.db), true);
      return;
    }
    if (this.#own === undefined) {
      try {
        this.#own = SyncPostgres.connect(this.#url);
      } catch (error) {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
        return;
      }
    }
    const own = this.#own;
    const before = this.#last;
    this.#last = before.then(() => {
      if (this.#failure !== undefined) return undefined;
      return this.#settle(this.#staging(own), statements(own), false);
    });
  }

  /** The staging table, made once per connection (a temporary table: each session has its own). */
  #staging(db: SyncPostgres): Promise<unknown> {
    if (this.#staged.has(db)) return Promise.resolve();
    this.#staged.add(db);
    return db.queryAsync(STAGING);
  }

  #settle(staging: Promise<unknown>, steps: Promise<unknown>[], shared: boolean): Promise<unknown> {
    const counted = shared && steps.length > 1;
    if (counted) this.#shared.ownWrites(1);
    const done = Promise.all([staging, ...steps]).then(
      () => undefined,
      (error: unknown) => {
        if (counted) this.#shared.ownWrites(-1);
        // An aborted transaction is ended by its COMMIT (the server rolls it back).
        this.#failure ??= writeFailure(error);
      },
    );
    if (shared) this.#last = Promise.all([this.#last, done]);
    return done;
  }

  #checkOpen(): void {
    if (this.#closed !== undefined) throw new Error('the scan writer is closed');
  }

  /** The batch as COPY text: a line per row, tab-separated, bytea as hex, `\N` for null. */
  #copyText(rows: CatalogRows): Buffer {
    const { paths, pathStart, dev, ino, size, mtimeNs, ctimeNs, algorithm, head, tail, full, type } = rows;
    const bytes = Buffer.from(paths.buffer, paths.byteOffset, paths.length);
    const lines = new Array<string>(rows.count);
    for (let i = 0; i < rows.count; i++) {
      const place = this.#paths.place(bytes.subarray(pathStart[i], pathStart[i + 1]));
      const h = head[i] ?? null;
      const t = tail[i] ?? null;
      const f = full[i] ?? null;
      const alg = h === null && t === null && f === null ? '\\N' : algorithm;
      lines[i] =
        `${place}\t${signed(dev[i]!)}\t${signed(ino[i]!)}\t${size[i]}\t${mtimeNs[i]}\t${ctimeNs[i]}\t${alg}\t` +
        `${h ?? '\\N'}\t${t ?? '\\N'}\t${f ?? '\\N'}\t${type?.[i] ?? '\\N'}\n`;
    }
    return Buffer.from(lines.join(''));
  }
}

/** An unsigned 64-bit number as PostgreSQL's (signed) bigint keeps it. */
function signed(value: bigint): bigint {
  return value < 2n ** 63n ? value : BigInt.asIntN(64, value);
}

/**
 * Paths as the first two COPY fields (volume, then the place as bytea hex), remembering the last folder's (a
 * batch's paths come folder by folder); a path that is itself a mount point (a file can be bind-mounted) is
 * always looked up.
 */
class VolumePaths {
  #folder: Buffer | undefined;
  /** The folder's fields up to its place's hex, which the name's hex completes. */
  #start = '';
  /** Whether the remembered folder holds a mount point: then each of its paths is checked. */
  #folderHasPoints = false;
  readonly #points: Set<string>;
  /** The folders that hold a mount point (with their trailing slash). */
  readonly #pointFolders: Set<string>;
  constructor(private readonly volumes: VolumeMap) {
    const points = volumes.allPoints();
    this.#points = new Set(points.map((p) => p.toString('latin1')));
    this.#pointFolders = new Set(
      points.map((p) => p.subarray(0, p.lastIndexOf(0x2f) + 1).toString('latin1')),
    );
  }

  place(path: Buffer): string {
    const slash = path.lastIndexOf(0x2f);
    const folder = path.subarray(0, slash + 1);
    const name = path.subarray(slash + 1);
    const isPoint = (): boolean => this.#points.has(path.toString('latin1'));
    if (this.#folder !== undefined && folder.equals(this.#folder) && !(this.#folderHasPoints && isPoint())) {
      return this.#start + name.toString('hex');
    }
    const { volume, rel } = this.volumes.locate(path);
    const fields = `${copyEscaped(volume)}\t\\\\x`;
    if (name.length > 0 && !isPoint()) {
      this.#folder = Buffer.from(folder);
      this.#folderHasPoints = this.#pointFolders.has(this.#folder.toString('latin1'));
      this.#start = fields + rel.subarray(0, rel.length - name.length).toString('hex');
    }
    return fields + rel.toString('hex');
  }
}

/** A text value in COPY's text format. */
function copyEscaped(text: string): string {
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** A write the server refused, as the scan's failure: one line, exit 1. What was committed stays. */
function writeFailure(error: unknown): Error {
  const e = error instanceof Error ? error : new Error(String(error));
  return new NodupeError(
    'FAILED',
    `could not write the catalog: ${e.message}; what the scan wrote so far stays, and the scan is left ` +
      'unfinished: mend the cause, then scan again',
    { cause: e },
  );
}
