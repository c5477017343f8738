import { symlinkSync } from 'node:fs';
import { relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch } from '../../test/helpers/tree.js';
import { Database } from '../catalog/sqlite/driver.js';
import type { CatalogStore } from '../catalog/store.js';
import { FakeClock } from '../core/fake-clock.js';
import { lockCatalog } from './catalog-lock.js';

const catalogAt = (location: string) => ({ location }) as unknown as CatalogStore;

let t: ReturnType<typeof scratch>;
beforeEach(() => {
  t = scratch();
});
afterEach(() => t.remove());

describe('lockCatalog', () => {
  it('is one lock for every spelling of the catalog: symlinked folder, symlinked file, relative path', () => {
    const catalog = t.write('real/catalog.db', '');
    symlinkSync(t.path('real'), t.path('home'));
    symlinkSync(catalog, t.path('alias.db'));
    const spellings = [
      catalog,
      t.path('home/catalog.db'),
      t.path('alias.db'),
      relative(process.cwd(), catalog),
    ];
    for (const holder of spellings) {
      const release = lockCatalog(catalogAt(holder));
      for (const other of spellings) {
        expect(() => lockCatalog(catalogAt(other))).toThrow(
          expect.objectContaining({
            code: 'BAD_INPUT',
            message: expect.stringMatching(
              new RegExp(
                `^another nodupe \\(pid ${process.pid}, since .*\\) is applying, undoing or purging`,
              ),
            ) as string,
          }),
        );
      }
      release();
    }
  });

  it('names the catalog as the caller spelled it', () => {
    const catalog = t.write('catalog.db', '');
    const release = lockCatalog(catalogAt(catalog));
    expect(() => lockCatalog(catalogAt(catalog))).toThrow(
      `with the catalog ${catalog}; wait for it to finish`,
    );
    release();
  });

  it('says "another nodupe" without a pid when its holder has written none', () => {
    const catalog = t.write('catalog.db', '');
    lockCatalog(catalogAt(catalog))();
    const held = new Database(`${catalog}-lock`, { timeout: 0 }); // a holder that has not written its note yet
    held.exec('BEGIN IMMEDIATE');
    const clock = new FakeClock();
    const patience = { clock, limitMs: 250, pause: (ms: number) => clock.advance(ms) };
    try {
      expect(() => lockCatalog(catalogAt(catalog), patience)).toThrow(
        `another nodupe is applying, undoing or purging with the catalog ${catalog}; wait for it to finish`,
      );
    } finally {
      held.close();
    }
  });

  it('takes no lock for an in-memory catalog', () => {
    const release = lockCatalog(catalogAt(':memory:'));
    lockCatalog(catalogAt(':memory:'))();
    release();
  });
});
