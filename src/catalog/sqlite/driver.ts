import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** The driver's constructor: `new Database(file, options)`. */
export type SqliteDriver = typeof BetterSqlite3;

const require = createRequire(import.meta.url);

/**
 * better-sqlite3, the one SQLite driver. Version 12 runs on Node 20, but on Node 24.19 and later it aborts the
 * process when the garbage collector frees a statement (an assertion in `RemoveEnvironmentCleanupHook`); version
 * 13 fixes that and needs Node 22. So both are dependencies: 12 as `better-sqlite3`, 13 as the optional
 * `better-sqlite3-v13`, which npm installs only where Node is 22 or later. The same API either way.
 */
function load(): SqliteDriver {
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    try {
      return require('better-sqlite3-v13') as SqliteDriver;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return require('better-sqlite3') as SqliteDriver;
}

export const Database: SqliteDriver = load();
export type SqliteDatabase = BetterSqlite3.Database;
export type SqliteStatement = BetterSqlite3.Statement;
