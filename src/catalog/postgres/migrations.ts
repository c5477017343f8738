import type { SyncPostgres } from './sync-client.js';

/**
 * A shared catalog's schema on PostgreSQL, as numbered steps, as for SQLite (src/catalog/sqlite/migrations.ts):
 * each step taken is recorded in schema_migrations; opening runs the steps a catalog lacks, in one transaction,
 * under an advisory lock, so that two machines starting at once do not both migrate. Never edit a released step:
 * add the next one. Every integer is int8 (bigint): sizes, device and inode numbers pass 2^53.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      -- Who this catalog is (a plan names the catalog it came from), and a counter every writing transaction
      -- bumps, by which a machine notices what others wrote (dataVersion).
      CREATE TABLE catalog_meta (
        key   text PRIMARY KEY,
        value text NOT NULL
      );
      INSERT INTO catalog_meta (key, value) VALUES ('id', md5(random()::text || clock_timestamp()::text)),
        ('version', '0');
      -- The machines that write to the catalog, by the id each gives itself, and the name people know them by.
      CREATE TABLE machines (
        id         text PRIMARY KEY,
        name       text NOT NULL,
        first_seen bigint NOT NULL,  -- wall-clock ms
        last_seen  bigint NOT NULL
      );
      -- File systems: uuid:<UUID> (the same disk on any machine) or <machine id>:<mount point> (one machine's).
      CREATE TABLE volumes (
        id    text PRIMARY KEY,
        uuid  text,
        label text
      );
      -- Where each machine last had each volume mounted: another machine's copies are shown by these paths.
      CREATE TABLE mounts (
        machine text NOT NULL REFERENCES machines (id),
        volume  text NOT NULL REFERENCES volumes (id),
        point   bytea NOT NULL,
        root    bytea NOT NULL,
        dev     bigint NOT NULL,
        seen_at bigint NOT NULL,
        PRIMARY KEY (machine, volume, point)
      );
      CREATE TABLE scans (
        id          bigserial PRIMARY KEY,
        machine     text NOT NULL,
        started_at  bigint NOT NULL,  -- wall-clock ms
        finished_at bigint,
        roots       text NOT NULL,    -- JSON array of absolute paths, as the scanning machine named them
        files_seen  bigint
      );
      -- A file by its volume and its path from the root of the volume's file system (raw bytes).
      CREATE TABLE files (
        id         bigserial PRIMARY KEY,
        volume     text NOT NULL,
        path       bytea NOT NULL,
        machine    text NOT NULL,    -- the machine that last wrote the row: its device numbers are that machine's
        dev        bigint NOT NULL,
        ino        bigint NOT NULL,
        size       bigint NOT NULL,
        mtime_ns   bigint NOT NULL,
        ctime_ns   bigint NOT NULL,
        hash_alg   text,
        head_hash  text,
        tail_hash  text,
        full_hash  text,
        first_seen bigint NOT NULL,  -- wall-clock ms
        last_seen  bigint NOT NULL,
        last_scan  bigint NOT NULL,
        gone_at    bigint,
        UNIQUE (volume, path)
      );
      -- Where else some content is, on any machine (nodupe where), and the groups across machines; and, by size
      -- alone, which of a scan's sizes other machines' files have (hashed or not): those files are read in full.
      CREATE INDEX files_by_content ON files (size, full_hash) WHERE gone_at IS NULL;
      CREATE TABLE ignored_groups (
        size       bigint NOT NULL,
        hash       text NOT NULL,
        ignored_at bigint NOT NULL,
        PRIMARY KEY (size, hash)
      );
      CREATE TABLE fingerprints (
        detector    text NOT NULL,
        hash_alg    text NOT NULL,
        size        bigint NOT NULL,
        full_hash   text NOT NULL,
        fingerprint bytea,
        problem     text,
        made_at     bigint NOT NULL,
        PRIMARY KEY (detector, hash_alg, size, full_hash)
      );
      -- The journal of apply, as in SQLite; each run is one machine's, and acts on that machine's files only.
      CREATE TABLE runs (
        id             bigserial PRIMARY KEY,
        machine        text NOT NULL,
        plan_id        text NOT NULL,
        plan           text NOT NULL,
        quarantine     text,
        state          text NOT NULL,
        started_at     bigint NOT NULL,
        finished_at    bigint,
        undone_at      bigint,
        snapshot       text,
        snapshot_store text,
        nonce          bytea,             -- random, made with the run: every seal of the run covers it
        seal           bytea,             -- HMAC of the run's record under this machine's journal key
        state_seal     bytea              -- HMAC of its state and when it finished and was undone
      );
      CREATE INDEX runs_by_machine ON runs (machine, id);
      CREATE TABLE journal (
        run_id       bigint NOT NULL REFERENCES runs (id),
        seq          bigint NOT NULL,
        op           text NOT NULL,
        path         bytea NOT NULL,
        keeper       bytea NOT NULL,
        target       bytea,
        size         bigint NOT NULL,
        mtime_ns     bigint NOT NULL,
        ctime_ns     bigint,
        dev          bigint NOT NULL,
        ino          bigint NOT NULL,
        hash         text NOT NULL,
        mode         bigint,
        uid          bigint,
        gid          bigint,
        atime_ns     bigint,
        folder_dev   bigint,
        folder_ino   bigint,
        keeper_dev   bigint,
        keeper_ino   bigint,
        state        text NOT NULL,
        reason       text,
        bytes        bigint NOT NULL,
        freed        bigint,
        folders_made bigint,
        updated_at   bigint NOT NULL,
        seal         bytea,             -- HMAC of the intent (everything but state and figures)
        state_seal   bytea,             -- HMAC of its state and the folders it made
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE run_folders (
        run_id   bigint NOT NULL REFERENCES runs (id),
        path     bytea NOT NULL,
        dev      bigint NOT NULL,
        ino      bigint NOT NULL,
        birth_ns bigint,
        seal     bytea,
        PRIMARY KEY (run_id, path)
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- Each file's type from its first bytes, as in SQLite's migration 11.
      ALTER TABLE files ADD COLUMN type text;
    `,
  },
  {
    version: 3,
    sql: `
      -- Read-only entries (archive members; a manifest's files), as in SQLite's migration 12.
      CREATE TABLE containers (
        id              bigserial PRIMARY KEY,
        kind            text NOT NULL,
        file_id         bigint,
        label           text,
        dev             bigint,
        ino             bigint,
        size            bigint,
        mtime_ns        bigint,
        ctime_ns        bigint,
        format          text NOT NULL,
        hash_alg        text NOT NULL,
        skipped         text NOT NULL,
        problem_code    text,
        problem_message text,
        read_at         bigint NOT NULL,
        UNIQUE (kind, file_id),
        UNIQUE (kind, label)
      );
      CREATE TABLE entries (
        container_id bigint NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
        seq          bigint NOT NULL,
        name         text NOT NULL,
        size         bigint NOT NULL,
        mtime_ms     bigint,
        head_hash    text,
        tail_hash    text,
        full_hash    text,
        crc32        bigint,
        encrypted    boolean NOT NULL DEFAULT false,
        type         text,
        PRIMARY KEY (container_id, seq)
      );
      CREATE INDEX entries_by_content ON entries (size, full_hash);
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * The advisory lock the migrating transaction holds: one machine migrates, the others then find it done. Keyed
 * by the schema too: catalogs in two schemas of one database are two catalogs.
 */
const MIGRATION_LOCK = `SELECT pg_advisory_xact_lock(hashtext('nodupe-migrate:' || current_schema()))`;

/**
 * The catalog's schema version: 0 when it has no schema_migrations table. Looked up in pg_tables (read under the
 * statement's snapshot), not by to_regclass: a name cache would still say "no such table" after another machine
 * migrated while this one waited for the lock.
 */
export function schemaVersion(db: SyncPostgres): number {
  const found = db.query(
    "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'",
  );
  if (found.length === 0) return 0;
  const [row] = db.query<{ v: number }>('SELECT coalesce(max(version), 0)::int4 AS v FROM schema_migrations');
  return row?.v ?? 0;
}

/**
 * Brings the catalog to LATEST_VERSION, under the advisory lock, in one transaction; the version is read again
 * once the lock is held (another machine may have migrated meanwhile). Returns the version found under the lock.
 */
export function migrate(db: SyncPostgres): number {
  db.exec('BEGIN');
  try {
    db.query(MIGRATION_LOCK);
    const from = schemaVersion(db);
    const pending = MIGRATIONS.filter((m) => m.version > from);
    if (pending.length > 0) {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version int4 PRIMARY KEY, applied_at bigint NOT NULL)`);
      for (const m of pending) {
        db.exec(m.sql);
        db.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
          m.version,
          BigInt(Date.now()),
        ]);
      }
    }
    db.exec('COMMIT');
    return from;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
