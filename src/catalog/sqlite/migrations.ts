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
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
