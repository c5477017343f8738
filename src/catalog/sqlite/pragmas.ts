import type { SqliteDatabase } from './driver.js';

/**
 * Pragmas of every connection to a catalog: the main one and the scan writer's. WAL is recorded in the file:
 * set on a catalog, it writes nothing; it lets one connection read while another writes.
 */
export function configure(db: SqliteDatabase): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // A large tree's rows and path index outgrow SQLite's 2 MB default page cache many times over.
  db.pragma('cache_size = -16384');
}
