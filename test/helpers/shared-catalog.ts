// A catalog on PostgreSQL that several machines share, new for each test: a scratch schema, and a state folder of
// the test's own where each machine keeps its journal key. Call it inside a describe: it adds the hooks there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { openCatalog } from '../../src/catalog/open-catalog.js';
import type { CatalogStore } from '../../src/catalog/store.js';
import { scratchSchema, type ScratchDatabase } from './postgres-database.js';

export interface SharedCatalog {
  /** The scratch schema's URL (this test's). */
  readonly url: string;
  /** The state folder machines use unless told another (this test's). */
  readonly state: string;
  /** The catalog as `machine` opens it, its key in `stateHome` (closed after the test; closing twice does nothing). */
  open: (machine: string, stateHome?: string) => CatalogStore;
  /** What another machine's user can do: write the tables directly. */
  tamper: (sql: string, params?: unknown[]) => Promise<void>;
}

export function sharedCatalogPerTest(): SharedCatalog {
  let db: ScratchDatabase | undefined;
  let state = '';
  const opened: CatalogStore[] = [];
  beforeEach(async () => {
    // A schema of its own: a few milliseconds, where a database takes ~300 ms.
    db = await scratchSchema();
    state = mkdtempSync(join(tmpdir(), 'nodupe-state-'));
  });
  afterEach(async () => {
    for (const catalog of opened.splice(0)) catalog.close();
    await db?.drop();
    rmSync(state, { recursive: true, force: true });
  });
  return {
    get url() {
      return db!.url;
    },
    get state() {
      return state;
    },
    open: (machine, stateHome = state) => {
      const catalog = openCatalog(db!.url, {
        env: { NODUPE_MACHINE_ID: machine, XDG_STATE_HOME: stateHome },
      });
      opened.push(catalog);
      return catalog;
    },
    tamper: async (sql, params = []) => {
      const client = new pg.Client({ connectionString: db!.url });
      await client.connect();
      try {
        await client.query(sql, params);
      } finally {
        await client.end();
      }
    },
  };
}
