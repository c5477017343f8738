/**
 * The catalog's schema, as numbered steps. A catalog records each step it has taken in schema_migrations;
 * opening one runs the steps it lacks, in one transaction. Never edit a released step: add the next one.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE scans (
        id          INTEGER PRIMARY KEY,
        started_at  INTEGER NOT NULL,  -- wall-clock ms since the epoch
        finished_at INTEGER,
        roots       TEXT NOT NULL      -- JSON array of absolute paths
      );
      CREATE TABLE files (
        id          INTEGER PRIMARY KEY,
        path        BLOB NOT NULL UNIQUE,  -- raw bytes: names that are not UTF-8 survive
        dev         INTEGER NOT NULL,
        ino         INTEGER NOT NULL,
        size        INTEGER NOT NULL,
        mtime_ns    INTEGER NOT NULL,
        ctime_ns    INTEGER NOT NULL,
        hash_alg    TEXT,                  -- the algorithm of the three hashes below
        head_hash   TEXT,
        tail_hash   TEXT,
        full_hash   TEXT,
        first_seen  INTEGER NOT NULL,      -- wall-clock ms
        last_seen   INTEGER NOT NULL,
        last_scan   INTEGER NOT NULL REFERENCES scans(id),
        gone_at     INTEGER                -- wall-clock ms when a scan found it missing
      );
      CREATE INDEX files_by_full_hash ON files (hash_alg, full_hash) WHERE gone_at IS NULL;
    `,
  },
  {
    version: 2,
    sql: `
      -- Who this catalog is: a plan names the catalog it came from, and apply refuses a plan from another.
      CREATE TABLE catalog_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      INSERT INTO catalog_meta (key, value) VALUES ('id', lower(hex(randomblob(16))));
      -- The journal of apply: one run per applied plan, one entry per action, each written before it is taken.
      CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        plan_id     TEXT NOT NULL,
        plan        TEXT NOT NULL,     -- the plan document itself, so that resume and undo need no file
        quarantine  TEXT,              -- the run's --quarantine folder, for resume
        state       TEXT NOT NULL,     -- running | finished | undoing | undone
        started_at  INTEGER NOT NULL,  -- wall-clock ms
        finished_at INTEGER,
        undone_at   INTEGER
      );
      CREATE TABLE journal (
        run_id      INTEGER NOT NULL REFERENCES runs(id),
        seq         INTEGER NOT NULL,  -- the action's place in the plan
        op          TEXT NOT NULL,
        path        BLOB NOT NULL,
        keeper      BLOB NOT NULL,
        target      BLOB,              -- where the file went (quarantine, move) or its temporary link name
        size        INTEGER NOT NULL,  -- what the file had to look like: size, mtime, device, inode, hash
        mtime_ns    INTEGER NOT NULL,
        dev         INTEGER NOT NULL,
        ino         INTEGER NOT NULL,
        hash        TEXT NOT NULL,
        mode        INTEGER,           -- its permission bits when the action was taken (undo restores them)
        state       TEXT NOT NULL,     -- intent | done | skipped | undone | purged
        reason      TEXT,
        bytes       INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
    `,
  },
  {
    version: 3,
    sql: `
      -- Apply's identity check includes the ctime; undo of a link gives back the owner and access time.
      ALTER TABLE journal ADD COLUMN ctime_ns INTEGER;  -- what the file's ctime had to be (null: older runs)
      ALTER TABLE journal ADD COLUMN uid INTEGER;       -- owner and access time of a file a link replaced
      ALTER TABLE journal ADD COLUMN gid INTEGER;
      ALTER TABLE journal ADD COLUMN atime_ns INTEGER;
      ALTER TABLE journal ADD COLUMN folder_dev INTEGER; -- the folder the file was in: undo puts it back only there
      ALTER TABLE journal ADD COLUMN folder_ino INTEGER;
      ALTER TABLE journal ADD COLUMN keeper_dev INTEGER; -- the keeper compared: undo of a symlink copies only it
      ALTER TABLE journal ADD COLUMN keeper_ino INTEGER;
    `,
  },
  {
    version: 4,
    sql: `
      -- What each action did to disk space, as df counts it, and what undo tidies after it.
      ALTER TABLE journal ADD COLUMN freed INTEGER;        -- allocated bytes freed when the file's last name went
                                                           -- (quarantine: what a purge would free, then what it freed)
      ALTER TABLE journal ADD COLUMN folders_made INTEGER; -- folders the action made above its target (quarantine, move)
      ALTER TABLE runs ADD COLUMN snapshot TEXT;           -- the snapshot taken before the run (apply --snapshot)
    `,
  },
  {
    version: 5,
    sql: `
      -- The folders a run made for quarantine and move (below its run folder or --to), journaled with the intents
      -- of their batch: apply and undo remove them once empty, whatever was settled after a crash.
      CREATE TABLE run_folders (
        run_id INTEGER NOT NULL REFERENCES runs (id),
        path BLOB NOT NULL,
        dev INTEGER NOT NULL,   -- the folder itself: only that very folder is ever removed
        ino INTEGER NOT NULL,
        PRIMARY KEY (run_id, path)
      );
    `,
  },
  {
    version: 6,
    sql: `
      -- A folder's device and inode name it only while it is there: a folder made later may get its inode number
      -- (ext4 reuses them at once). Its birth time tells them apart; a record without one (a file system that
      -- keeps none, or a folder recorded before) is never acted on.
      ALTER TABLE run_folders ADD COLUMN birth_ns INTEGER;
    `,
  },
  {
    version: 7,
    sql: `
      -- The folder of a run's snapshot when it was not the default (apply --snapshots DIR): undo names it.
      ALTER TABLE runs ADD COLUMN snapshot_store TEXT;
    `,
  },
  {
    version: 8,
    sql: `
      -- A rescan writes only what changed: an unchanged row is no longer rewritten to say it was seen, so a scan
      -- records how many files it has seen (an unfinished one says so; older scans are counted by last_scan).
      ALTER TABLE scans ADD COLUMN files_seen INTEGER;
      -- Nothing looks files up by hash (dupes reads every hashed row); the index cost 40 % of every row written.
      DROP INDEX IF EXISTS files_by_full_hash;
    `,
  },
  {
    version: 9,
    sql: `
      -- Groups a person marked "not duplicates" (by their size and full-content hash): left out of what the review
      -- page lists and of the plans it builds, until unmarked.
      CREATE TABLE ignored_groups (
        size       INTEGER NOT NULL,
        hash       TEXT NOT NULL,
        ignored_at INTEGER NOT NULL,  -- wall-clock ms
        PRIMARY KEY (size, hash)
      );
    `,
  },
  {
    version: 10,
    sql: `
      -- What a near-duplicate detector made of some content (nodupe similar): keyed by the content, not the path,
      -- so an unchanged or copied file is never decoded twice. A content it could not read keeps the reason.
      CREATE TABLE fingerprints (
        detector    TEXT NOT NULL,     -- its name and version: images.phash/1
        hash_alg    TEXT NOT NULL,
        size        INTEGER NOT NULL,
        full_hash   TEXT NOT NULL,
        fingerprint BLOB,              -- null exactly when problem is not
        problem     TEXT,
        made_at     INTEGER NOT NULL,  -- wall-clock ms
        PRIMARY KEY (detector, hash_alg, size, full_hash)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 11,
    sql: `
      -- Each file's type as detected from its first bytes (a MIME type such as image/png), when its head was read;
      -- null when it never was (a file alone of its size), or no signature matched.
      ALTER TABLE files ADD COLUMN type TEXT;
    `,
  },
  {
    version: 12,
    sql: `
      -- Read-only entries: files the catalog knows that are no loose files here (the members of an archive; the
      -- files of a manifest), grouped with loose files by content and never acted on. A container is an archive
      -- (by its files row, with the identity it was read with: changed or gone, its entries no longer count) or a
      -- manifest (by a label).
      CREATE TABLE containers (
        id              INTEGER PRIMARY KEY,
        kind            TEXT NOT NULL,     -- archive | manifest
        file_id         INTEGER,           -- archive: files.id of the archive file
        label           TEXT,              -- manifest: its label
        dev             INTEGER,           -- archive: its identity when read
        ino             INTEGER,
        size            INTEGER,
        mtime_ns        INTEGER,
        ctime_ns        INTEGER,
        format          TEXT NOT NULL,     -- zip, tar.gz, ... or the manifest's schema
        hash_alg        TEXT NOT NULL,
        skipped         TEXT NOT NULL,     -- JSON: entries left out, counted by reason
        problem_code    TEXT,              -- why reading stopped before the end
        problem_message TEXT,
        read_at         INTEGER NOT NULL,  -- wall-clock ms
        UNIQUE (kind, file_id),
        UNIQUE (kind, label)
      );
      CREATE TABLE entries (
        container_id INTEGER NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        name         TEXT NOT NULL,        -- validated: relative, '/'-separated; a label, never a real path
        size         INTEGER NOT NULL,
        mtime_ms     INTEGER,
        head_hash    TEXT,                 -- by the container's hash_alg; null when unreadable (encrypted)
        tail_hash    TEXT,
        full_hash    TEXT,
        crc32        INTEGER,
        encrypted    INTEGER NOT NULL DEFAULT 0,
        type         TEXT,
        PRIMARY KEY (container_id, seq)
      ) WITHOUT ROWID;
      CREATE INDEX entries_by_content ON entries (size, full_hash);
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
