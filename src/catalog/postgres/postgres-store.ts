import { NodupeError } from '../../core/errors.js';
import { fromBytes, toBytes, type FsPath } from '../../model/paths.js';
import type { Journal } from '../../apply/journal.js';
import type { Content, ContentCopy, CopyLookup } from '../copies.js';
import type { EntryStore } from '../entries.js';
import type { FingerprintStore } from '../fingerprints.js';
import { localVolumes, machineIdentity, type MachineIdentity, type VolumeMap } from '../identity.js';
import type {
  CatalogCounts,
  CatalogFile,
  CatalogStore,
  IgnoredGroup,
  KnownRows,
  RefreshedPath,
  ScanRecord,
  ScanWriter,
  ScanWriterOptions,
  StoredHashes,
} from '../store.js';
import { PostgresEntries } from './entries.js';
import { PostgresFingerprints } from './fingerprint-store.js';
import { JournalSeal } from './journal-seal.js';
import { PostgresJournal } from './journal-store.js';
import { deviceHere, knownRowChunks, readKnownRows, type RowScope } from './known-rows.js';
import { LATEST_VERSION, migrate, schemaVersion } from './migrations.js';
import { pathRanges } from './path-ranges.js';
import { redactedUrl } from './redacted-url.js';
import { PostgresScanWriter } from './scan-writer.js';
import { sizesElsewhere } from './sizes-elsewhere.js';
import { PostgresError, SyncPostgres } from './sync-client.js';
import { BUMP_VERSION } from './version.js';

export interface PostgresOpenOptions {
  /** Make the schema when the database has none, and bring an older one up to date (default true). */
  create?: boolean;
  /** Bring an older catalog up to date (default: as `create`). */
  migrate?: boolean;
  /** What to tell the user when the catalog is older and is not to be upgraded. */
  olderAdvice?: string;
  /** Where this machine's identity comes from, unless `machine` is given. */
  env?: NodeJS.ProcessEnv;
  /** This machine (default: machineIdentity(env)). */
  machine?: MachineIdentity;
  /** The volumes mounted here (default: read from this machine's mount table). */
  volumes?: VolumeMap;
  /** How long a scan waits for another scan of one of its volumes to finish, in ms (default 10 minutes). */
  scanLockTimeoutMs?: number;
}

interface FileRow {
  id: bigint;
  volume: string;
  path: Buffer;
  machine: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtime_ns: bigint;
  ctime_ns: bigint;
  hash_alg: string | null;
  head_hash: string | null;
  tail_hash: string | null;
  full_hash: string | null;
  type: string | null;
}

const FILE_COLUMNS = `id, volume, path, machine, dev, ino, size, mtime_ns, ctime_ns, hash_alg, head_hash, tail_hash,
  full_hash, type`;
/** The rows this machine sees: live, on a volume mounted here ($1: the volumes). */
const LOCAL = 'gone_at IS NULL AND volume = ANY ($1::text[])';
const SCAN_LOCK_TIMEOUT_MS = 10 * 60_000;
/** The advisory lock of a volume ($1) that a scan holds while it writes (per schema: each is a catalog). */
const VOLUME_LOCK = `hashtext('nodupe-volume:' || current_schema() || ':' || $1)`;
/** Rows a scan writes past which its end refreshes the planner's statistics of the files. */
const ANALYZE_AFTER_ROWS = 10_000;
/** Rows per read of the queries that page. */
const PAGE = 1 << 14;

/**
 * The catalog in a PostgreSQL database that many machines share, as one machine sees it: every CatalogStore
 * method reads and writes only rows on volumes mounted here, by their paths here (rows are kept by volume and
 * place on it, see identity.ts), so every command acts on this machine's files only. Copies elsewhere are shown
 * through CopyLookup, as evidence. Synchronous, as the interface is, through SyncPostgres.
 */
export class PostgresCatalog implements CatalogStore, CopyLookup {
  readonly location: string;
  readonly id: string;
  readonly #url: string;
  readonly #db: SyncPostgres;
  readonly #machine: MachineIdentity;
  /** Where this machine's journal key is (nodupe's state folder). */
  readonly #env: NodeJS.ProcessEnv;
  readonly #volumes: VolumeMap;
  readonly #local: string[];
  readonly #scope: RowScope;
  readonly #scanLockTimeoutMs: number;
  /** The volumes each unfinished scan of this store holds the lock of. */
  readonly #scanLocks = new Map<number, string[]>();
  /** Rows each unfinished scan of this store wrote. */
  readonly #written = new Map<number, number>();
  #depth = 0;
  /** Bumps of the change counter by this store's own transactions. */
  #ownBumps = 0;
  #journal: PostgresJournal | undefined;
  #fingerprints: PostgresFingerprints | undefined;
  #entries: PostgresEntries | undefined;

  private constructor(
    url: string,
    db: SyncPostgres,
    machine: MachineIdentity,
    volumes: VolumeMap,
    lockMs: number,
    env: NodeJS.ProcessEnv,
  ) {
    this.#url = url;
    this.location = redactedUrl(url);
    this.#db = db;
    this.#machine = machine;
    this.#volumes = volumes;
    this.#local = volumes.ids();
    this.#scope = { db, machine: machine.id, volumes };
    this.#scanLockTimeoutMs = lockMs;
    this.#env = env;
    const [row] = db.query<{ value: string }>(`SELECT value FROM catalog_meta WHERE key = 'id'`);
    // The id names files here (the journal key, the cleanup lock) and every machine can write it: only the shape
    // nodupe gives it is taken.
    if (row === undefined || !/^[0-9a-f]{32}$/.test(row.value)) {
      throw new NodupeError(
        'BAD_INPUT',
        `the catalog ${this.location} has an id nodupe did not make (${JSON.stringify(row?.value ?? null).slice(0, 80)}): ` +
          'someone changed its catalog_meta table; refused',
      );
    }
    this.id = row.value;
  }

  /**
   * Opens the shared catalog at `url` for this machine. With `create` (the default), a database without tables
   * gets the schema, and an older catalog is brought up to date (under an advisory lock: one machine migrates).
   * Refused with BAD_INPUT: a server that cannot be reached or refuses the login, a database without a catalog
   * (without `create`), a database with tables that is not a nodupe catalog, a catalog from a newer nodupe, and
   * (without `migrate`) an older one.
   */
  static open(url: string, options: PostgresOpenOptions = {}): PostgresCatalog {
    const create = options.create ?? true;
    const migrateOlder = options.migrate ?? create;
    const shown = redactedUrl(url);
    const db = SyncPostgres.connect(url);
    try {
      const tables = db
        .query<{ name: string }>(
          'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()',
        )
        .map((t) => t.name);
      if (tables.length === 0 && !create) {
        throw new NodupeError(
          'BAD_INPUT',
          `there is no catalog in ${shown}: \`nodupe scan PATH --catalog URL\` makes one`,
        );
      }
      if (tables.length > 0 && !tables.includes('schema_migrations')) {
        throw new NodupeError(
          'BAD_INPUT',
          `${shown} is a PostgreSQL database with tables, but not a nodupe catalog; give nodupe a database of its own`,
        );
      }
      const version = schemaVersion(db);
      if (version > LATEST_VERSION) {
        throw new NodupeError(
          'BAD_INPUT',
          `the catalog ${shown} has schema version ${version}, newer than this nodupe knows (${LATEST_VERSION}); upgrade nodupe`,
        );
      }
      if (version > 0 && version < LATEST_VERSION && !migrateOlder) {
        throw new NodupeError(
          'BAD_INPUT',
          `the catalog ${shown} has schema version ${version}, older than this nodupe's (${LATEST_VERSION}); ` +
            (options.olderAdvice ??
              'a read-only command does not upgrade it: run `nodupe scan PATH` once (the catalog keeps what it holds)'),
        );
      }
      if (version < LATEST_VERSION) migrate(db);
      const machine = options.machine ?? machineIdentity(options.env);
      const volumes = options.volumes ?? localVolumes(machine.id);
      return new PostgresCatalog(
        url,
        db,
        machine,
        volumes,
        options.scanLockTimeoutMs ?? SCAN_LOCK_TIMEOUT_MS,
        options.env ?? process.env,
      );
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** This machine, as the catalog knows it. */
  get machine(): MachineIdentity {
    return this.#machine;
  }

  knownRows(roots: readonly string[]): KnownRows {
    return readKnownRows(this.#scope, roots);
  }

  knownRowChunks(roots: readonly string[]): IterableIterator<KnownRows> {
    return knownRowChunks(this.#scope, roots);
  }

  /** Of `sizes`, those a live row outside the roots has, on any machine (see sizes-elsewhere.ts). */
  sizesElsewhere(roots: readonly string[], sizes: Iterable<number>): Set<number> {
    return sizesElsewhere(this.#scope, roots, sizes);
  }

  hashedFiles(algorithm: string): CatalogFile[] {
    return this.#files(
      `SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} AND ((hash_alg = $2 AND full_hash IS NOT NULL) OR size = 0)
       ORDER BY id`,
      [algorithm],
    );
  }

  *sharedHashFiles(algorithm: string, includeEmpty: boolean): IterableIterator<CatalogFile> {
    const live = `${LOCAL} AND hash_alg = $2 AND full_hash IS NOT NULL AND size > 0`;
    yield* this.#files(
      `SELECT ${FILE_COLUMNS} FROM files WHERE ${live} AND (size, full_hash) IN
         (SELECT size, full_hash FROM files WHERE ${live} GROUP BY size, full_hash HAVING count(*) > 1)
       ORDER BY size, full_hash, id`,
      [algorithm],
    );
    if (!includeEmpty) return;
    yield* this.#files(`SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} AND size = 0 ORDER BY id`, []);
  }

  pathTexts(afterId: number, limit: number): [id: number, text: string][] {
    const texts: [number, string][] = [];
    let after = afterId;
    // Rows whose place is not reachable here (a part of a disk not mounted) are skipped: read on until `limit`.
    while (texts.length < limit) {
      const want = limit - texts.length;
      const rows = this.#db.query<{ id: bigint; volume: string; path: Buffer }>(
        `SELECT id, volume, path FROM files WHERE ${LOCAL} AND id > $2 ORDER BY id LIMIT $3`,
        [this.#local, after, want],
      );
      for (const row of rows) {
        const local = this.#volumes.absolute(row.volume, row.path);
        if (local !== undefined) texts.push([Number(row.id), local.toString('utf8')]);
      }
      if (rows.length < want) break;
      after = Number(rows[rows.length - 1]!.id);
    }
    return texts;
  }

  hashAlgorithms(): string[] {
    return this.#db
      .query<{ alg: string }>(
        `SELECT DISTINCT hash_alg AS alg FROM files WHERE ${LOCAL} AND full_hash IS NOT NULL ORDER BY hash_alg`,
        [this.#local],
      )
      .map((r) => r.alg);
  }

  liveFiles(): CatalogFile[] {
    return this.#files(`SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} ORDER BY id`, []);
  }

  fileById(id: number): CatalogFile | undefined {
    return this.#files(`SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} AND id = $2`, [id])[0];
  }

  fileAtPath(path: FsPath): CatalogFile | undefined {
    const { volume, rel } = this.#volumes.locate(toBytes(path));
    return this.#files(`SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} AND volume = $2 AND path = $3`, [
      volume,
      rel,
    ])[0];
  }

  filesById(ids: readonly number[]): CatalogFile[] {
    const byId = new Map<number, CatalogFile>();
    for (let at = 0; at < ids.length; at += PAGE) {
      const page = ids.slice(at, at + PAGE);
      for (const file of this.#files(
        `SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} AND id = ANY ($2::int8[])`,
        [page],
      )) {
        byId.set(file.id, file);
      }
    }
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  liveFilesOfSizes(sizes: readonly number[]): CatalogFile[] {
    if (sizes.length === 0) return [];
    return this.#files(`SELECT ${FILE_COLUMNS} FROM files WHERE ${LOCAL} AND size = ANY ($2::int8[])`, [
      [...sizes],
    ]);
  }

  dataVersion(): number {
    const [row] = this.#db.query<{ value: string }>(`SELECT value FROM catalog_meta WHERE key = 'version'`);
    return Number(row!.value) - this.#ownBumps;
  }

  counts(): CatalogCounts {
    const [row] = this.#db.query<{ files: bigint; bytes: string }>(
      `SELECT count(*) AS files, coalesce(sum(size), 0)::text AS bytes FROM files WHERE ${LOCAL}`,
      [this.#local],
    );
    return { files: Number(row!.files), bytes: Number(row!.bytes) };
  }

  ignoredGroups(): IgnoredGroup[] {
    return this.#db
      .query<{ size: bigint; hash: string; at: bigint }>(
        'SELECT size, hash, ignored_at AS at FROM ignored_groups ORDER BY size, hash',
      )
      .map((r) => ({ size: Number(r.size), hash: r.hash, at: Number(r.at) }));
  }

  setIgnored(group: { size: number; hash: string }, ignored: boolean, at: number): void {
    this.atomically(() => {
      if (ignored) {
        this.#db.query(
          'INSERT INTO ignored_groups (size, hash, ignored_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
          [group.size, group.hash, BigInt(Math.round(at))],
        );
      } else {
        this.#db.query('DELETE FROM ignored_groups WHERE size = $1 AND hash = $2', [group.size, group.hash]);
      }
    });
  }

  /**
   * Records the scan and takes the lock of every volume its roots lie on (and of those mounted below them), in
   * order, held until finishScan or close: one scan writes a volume at a time; another waits for it, or is
   * refused as BUSY after `scanLockTimeoutMs`.
   */
  startScan(roots: readonly string[], startedAt: number): number {
    const at = BigInt(Math.round(startedAt));
    const volumes = [...new Set(pathRanges(this.#volumes, roots).map((r) => r.volume))].sort();
    this.#lockVolumes(volumes);
    try {
      return this.atomically(() => {
        this.#register(at);
        const [row] = this.#db.query<{ id: bigint }>(
          'INSERT INTO scans (machine, started_at, roots) VALUES ($1, $2, $3) RETURNING id',
          [this.#machine.id, at, JSON.stringify(roots)],
        );
        const id = Number(row!.id);
        this.#scanLocks.set(id, volumes);
        return id;
      });
    } catch (error) {
      this.#unlockVolumes(volumes);
      throw error;
    }
  }

  scanWriter(scanId: number, options?: ScanWriterOptions): ScanWriter {
    const shared = {
      db: this.#db,
      ownWrites: (change: number) => (this.#ownBumps += change),
      wrote: (scan: number, rows: number) => this.#written.set(scan, (this.#written.get(scan) ?? 0) + rows),
    };
    return new PostgresScanWriter(this.#url, this.#machine.id, this.#volumes, scanId, shared, options);
  }

  finishScan(scanId: number, goneIds: readonly number[], at: number): void {
    const now = BigInt(Math.round(at));
    this.atomically(() => {
      if (goneIds.length > 0) {
        this.#db.query('UPDATE files SET gone_at = $1 WHERE gone_at IS NULL AND id = ANY ($2::int8[])', [
          now,
          goneIds,
        ]);
      }
      this.#db.query('UPDATE scans SET finished_at = $1 WHERE id = $2', [now, scanId]);
    });
    const locked = this.#scanLocks.get(scanId);
    this.#scanLocks.delete(scanId);
    if (locked !== undefined) this.#unlockVolumes(locked);
    // After many new rows, the planner's statistics are refreshed at once (autovacuum would come later): with
    // the old ones it takes a grown table for a small one, and reads a rescan's rows by sorting them all.
    const written = this.#written.get(scanId) ?? 0;
    this.#written.delete(scanId);
    if (written >= ANALYZE_AFTER_ROWS) this.#db.exec('ANALYZE files');
  }

  scans(): ScanRecord[] {
    return this.#db
      .query<{ id: bigint; started_at: bigint; finished_at: bigint | null; roots: string }>(
        'SELECT id, started_at, finished_at, roots FROM scans WHERE machine = $1 ORDER BY id',
        [this.#machine.id],
      )
      .map((r) => ({
        id: Number(r.id),
        startedAt: Number(r.started_at),
        finishedAt: r.finished_at === null ? undefined : Number(r.finished_at),
        roots: JSON.parse(r.roots) as string[],
      }));
  }

  filesSeenBy(scanId: number): number {
    const [row] = this.#db.query<{ n: bigint }>(
      `SELECT coalesce(files_seen, (SELECT count(*) FROM files WHERE last_scan = scans.id)) AS n
       FROM scans WHERE id = $1`,
      [scanId],
    );
    return row === undefined ? 0 : Number(row.n);
  }

  refresh(paths: readonly RefreshedPath[], at: number): void {
    if (paths.length === 0) return;
    const now = BigInt(Math.round(at));
    const changed = paths.filter((p) => p.now !== undefined);
    const vanished = paths
      .filter((p) => p.now === undefined)
      .map((p) => this.#volumes.locate(toBytes(p.path)));
    const places = changed.map((p) => this.#volumes.locate(toBytes(p.path)));
    this.atomically(() => {
      if (changed.length > 0) {
        this.#db.query(
          `UPDATE files f SET machine = $1, dev = c.dev, ino = c.ino, size = c.size, mtime_ns = c.mtime_ns,
             ctime_ns = c.ctime_ns, last_seen = $2, gone_at = NULL
           FROM unnest($3::text[], $4::bytea[], $5::int8[], $6::int8[], $7::int8[], $8::int8[], $9::int8[])
             AS c (volume, path, dev, ino, size, mtime_ns, ctime_ns)
           WHERE f.volume = c.volume AND f.path = c.path`,
          [
            this.#machine.id,
            now,
            places.map((p) => p.volume),
            places.map((p) => p.rel),
            changed.map((p) => BigInt.asIntN(64, p.now!.dev)),
            changed.map((p) => BigInt.asIntN(64, p.now!.ino)),
            changed.map((p) => p.now!.size),
            changed.map((p) => p.now!.mtimeNs),
            changed.map((p) => p.now!.ctimeNs),
          ],
        );
      }
      if (vanished.length > 0) {
        this.#db.query(
          `UPDATE files f SET gone_at = $1 FROM unnest($2::text[], $3::bytea[]) AS v (volume, path)
           WHERE f.gone_at IS NULL AND f.volume = v.volume AND f.path = v.path`,
          [now, vanished.map((v) => v.volume), vanished.map((v) => v.rel)],
        );
      }
    });
  }

  copiesOf(content: Content): ContentCopy[] {
    return this.#copies(`f.size = $1 AND f.hash_alg = $2 AND f.full_hash = $3`, [
      content.size,
      content.algorithm,
      content.hash,
    ]);
  }

  *copyGroups(algorithm: string): IterableIterator<ContentCopy[]> {
    const live = 'gone_at IS NULL AND hash_alg = $1 AND full_hash IS NOT NULL AND size > 0';
    // Keyset pages of contents, so a catalog of millions is not read at once.
    let after: [number, string] = [0, ''];
    for (;;) {
      const contents = this.#db.query<{ size: bigint; full_hash: string }>(
        `SELECT size, full_hash FROM files WHERE ${live} AND (size, full_hash) > ($2, $3)
         GROUP BY size, full_hash HAVING count(*) > 1 ORDER BY size, full_hash LIMIT $4`,
        [algorithm, after[0], after[1], PAGE],
      );
      if (contents.length === 0) return;
      const copies = this.#copies(
        `f.hash_alg = $1 AND (f.size, f.full_hash) IN (SELECT * FROM unnest($2::int8[], $3::text[]))`,
        [algorithm, contents.map((c) => c.size), contents.map((c) => c.full_hash)],
      );
      let group: ContentCopy[] = [];
      for (const copy of copies) {
        if (group.length > 0 && (group[0]!.size !== copy.size || group[0]!.hash !== copy.hash)) {
          yield group;
          group = [];
        }
        group.push(copy);
      }
      if (group.length > 0) yield group;
      const last = contents[contents.length - 1]!;
      after = [Number(last.size), last.full_hash];
      if (contents.length < PAGE) return;
    }
  }

  /**
   * Runs `fn` in one transaction, which bumps the change counter once; a call inside another runs in the outer
   * one. Rolled back, and the error rethrown, when `fn` throws.
   */
  atomically<T>(fn: () => T): T {
    if (this.#depth > 0) {
      this.#depth++;
      try {
        return fn();
      } finally {
        this.#depth--;
      }
    }
    this.#db.exec('BEGIN');
    this.#depth = 1;
    try {
      const result = fn();
      this.#db.exec(BUMP_VERSION);
      this.#db.exec('COMMIT');
      this.#ownBumps++;
      return result;
    } catch (error) {
      try {
        this.#db.exec('ROLLBACK');
      } catch {
        // The connection is gone: the server rolled it back.
      }
      throw error;
    } finally {
      this.#depth = 0;
    }
  }

  journal(): Journal {
    // Sealed under this machine's key: another machine's user, who can write the same tables, cannot forge it.
    this.#journal ??= new PostgresJournal(
      this.#db,
      this.#machine.id,
      JournalSeal.open(this.id, this.#machine.id, this.#env),
    );
    return this.#journal;
  }

  fingerprints(): FingerprintStore {
    return (this.#fingerprints ??= new PostgresFingerprints(this.#db, (fn) => this.atomically(fn)));
  }

  entries(): EntryStore {
    return (this.#entries ??= new PostgresEntries(this.#db, (fn) => this.atomically(fn)));
  }

  /** Ends the connection: the locks of unfinished scans go with it. */
  close(): void {
    this.#scanLocks.clear();
    this.#db.close();
  }

  #files(sql: string, params: readonly unknown[]): CatalogFile[] {
    const rows = this.#db.query<FileRow>(sql, [this.#local, ...params]);
    const files: CatalogFile[] = [];
    for (const row of rows) {
      const local = this.#volumes.absolute(row.volume, row.path);
      if (local === undefined) continue;
      files.push({
        id: Number(row.id),
        path: fromBytes(local),
        dev: deviceHere(this.#scope, row.machine, row.volume, row.dev),
        ino: BigInt.asUintN(64, row.ino),
        size: Number(row.size),
        mtimeNs: row.mtime_ns,
        ctimeNs: row.ctime_ns,
        hashes: toHashes(row.hash_alg, row.head_hash, row.tail_hash, row.full_hash),
        ...(row.type === null ? {} : { type: row.type }),
      });
    }
    return files;
  }

  /** Live copies matching `where` (on `files f`), local ones by their path here, others as their machine saw them. */
  #copies(where: string, params: readonly unknown[]): ContentCopy[] {
    const rows = this.#db.query<{
      volume: string;
      path: Buffer;
      machine: string;
      name: string | null;
      size: bigint;
      full_hash: string;
      last_seen: bigint;
      ino: bigint;
      mtime_ns: bigint;
      point: Buffer | null;
      root: Buffer | null;
    }>(
      `SELECT f.volume, f.path, f.machine, m.name, f.size, f.full_hash, f.last_seen, f.ino, f.mtime_ns, mp.point,
         mp.root
         FROM files f LEFT JOIN machines m ON m.id = f.machine
         LEFT JOIN LATERAL (SELECT point, root FROM mounts
           WHERE mounts.machine = f.machine AND mounts.volume = f.volume ORDER BY length(point) LIMIT 1) mp ON true
        WHERE f.gone_at IS NULL AND ${where}`,
      params,
    );
    const copies = rows.map((r) => {
      const here = this.#local.includes(r.volume) ? this.#volumes.absolute(r.volume, r.path) : undefined;
      const path = here ?? elsewhere(r.path, r.point, r.root);
      return {
        machine: here === undefined ? (r.name ?? r.machine) : this.#machine.name,
        local: here !== undefined,
        path: fromBytes(path),
        size: Number(r.size),
        hash: r.full_hash,
        lastSeen: Number(r.last_seen),
        ino: BigInt.asUintN(64, r.ino),
        mtimeNs: r.mtime_ns,
      };
    });
    // By content, local copies first, then by machine and path.
    return copies.sort(
      (a, b) =>
        a.size - b.size ||
        (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0) ||
        Number(b.local) - Number(a.local) ||
        (a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : 0) ||
        Buffer.compare(toBytes(a.path), toBytes(b.path)),
    );
  }

  /** Records this machine, its volumes and where they are mounted: how other machines show its copies. */
  #register(at: bigint): void {
    this.#db.query(
      `INSERT INTO machines (id, name, first_seen, last_seen) VALUES ($1, $2, $3, $3)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = excluded.last_seen`,
      [this.#machine.id, this.#machine.name, at],
    );
    const mounts = this.#volumes.mountPoints();
    const roots = mounts.map((m) => this.#volumes.locate(m.point).rel);
    this.#db.query(
      `INSERT INTO volumes (id, uuid)
         SELECT id, CASE WHEN id LIKE 'uuid:%' THEN substr(id, 6) END FROM unnest($1::text[]) AS v (id)
       ON CONFLICT (id) DO NOTHING`,
      [mounts.map((m) => m.volume)],
    );
    this.#db.query(
      `INSERT INTO mounts (machine, volume, point, root, dev, seen_at)
         SELECT $1, volume, point, root, dev, $6 FROM unnest($2::text[], $3::bytea[], $4::bytea[], $5::int8[])
           AS m (volume, point, root, dev)
       ON CONFLICT (machine, volume, point) DO UPDATE SET root = excluded.root, dev = excluded.dev,
         seen_at = excluded.seen_at`,
      [
        this.#machine.id,
        mounts.map((m) => m.volume),
        mounts.map((m) => m.point),
        roots,
        mounts.map((m) => BigInt.asIntN(64, m.dev)),
        at,
      ],
    );
  }

  #lockVolumes(volumes: readonly string[]): void {
    const taken: string[] = [];
    try {
      this.#db.exec(`SET lock_timeout = ${Math.max(1, Math.round(this.#scanLockTimeoutMs))}`);
      for (const volume of volumes) {
        this.#db.query(`SELECT pg_advisory_lock(${VOLUME_LOCK})`, [volume]);
        taken.push(volume);
      }
    } catch (error) {
      this.#unlockVolumes(taken);
      if (error instanceof PostgresError && error.code === '55P03') {
        throw new NodupeError(
          'BUSY',
          `another scan is writing ${volumes.length === 1 ? 'this volume' : 'one of these volumes'} of the catalog ` +
            `${this.location} (${volumes.join(', ')}), and did not finish within ${Math.round(this.#scanLockTimeoutMs / 1000)} s`,
          { hint: 'try again once it has finished', cause: error },
        );
      }
      throw error;
    } finally {
      this.#db.exec('SET lock_timeout = 0');
    }
  }

  #unlockVolumes(volumes: readonly string[]): void {
    for (const volume of volumes) {
      this.#db.query(`SELECT pg_advisory_unlock(${VOLUME_LOCK})`, [volume]);
    }
  }
}

/** Another machine's copy as that machine saw it: its mount point plus the place below the mount's root. */
function elsewhere(rel: Buffer, point: Buffer | null, root: Buffer | null): Buffer {
  if (point === null || root === null) return rel;
  const base = root.length > 0 && root[root.length - 1] === 0x2f ? root.subarray(0, root.length - 1) : root;
  const rootLength = base.length;
  if (rootLength > 0 && !rel.subarray(0, rootLength).equals(base)) return rel;
  const rest = rel.subarray(rootLength);
  if (point.length === 1 && point[0] === 0x2f) return Buffer.from(rest);
  return Buffer.concat([point, rest.length === 1 && rest[0] === 0x2f ? Buffer.alloc(0) : rest]);
}

function toHashes(
  algorithm: string | null,
  head: string | null,
  tail: string | null,
  full: string | null,
): StoredHashes | undefined {
  if (algorithm === null) return undefined;
  return { algorithm, head: head ?? undefined, tail: tail ?? undefined, full: full ?? undefined };
}
