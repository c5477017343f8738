// `scan --from-manifest` on a PostgreSQL catalog: a manifest of a tree that is gone is imported, `dupes --manifests`
// groups its files with the loose copies, and importing the same label again replaces (the SQLite run:
// manifest-import.test.ts).
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, scratchEnv } from './helpers/cli.js';
import { postgresAvailable } from './helpers/postgres.js';
import { scratchDatabase, type ScratchDatabase } from './helpers/postgres-database.js';
import { scratch } from './helpers/tree.js';

describe.skipIf(!postgresAvailable())('nodupe scan --from-manifest on a PostgreSQL catalog', () => {
  let dir: ReturnType<typeof scratch>;
  let db: ScratchDatabase;

  beforeEach(async () => {
    dir = scratch();
    db = await scratchDatabase();
  });
  afterEach(async () => {
    dir.remove();
    await db.drop();
  });

  const cli = (args: string[], catalog = db.url) =>
    runCli([...args, '--catalog', catalog, '--no-progress'], {
      cwd: dir.root,
      env: { ...scratchEnv(dir), NODUPE_MACHINE_ID: 'm1' },
    });

  it('imports, groups the files with loose copies, and replaces on a second import', async () => {
    dir.write('a/photo.jpg', 'a photo on this machine and on the backup disk');
    dir.write('b/2019/photo.jpg', 'a photo on this machine and on the backup disk');
    dir.write('b/other.txt', 'only on the backup disk');
    const write = await cli(
      ['manifest', 'write', dir.path('b'), '-o', dir.path('b.jsonl')],
      dir.path('b.db'),
    );
    expect(write.code, write.stderr).toBe(0);
    rmSync(dir.path('b'), { recursive: true });

    const imported = await cli(['scan', '--from-manifest', dir.path('b.jsonl'), '--label', 'backup']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 2 files of the manifest "backup"');

    const dupes = await cli(['dupes', '--manifests', dir.path('a')]);
    expect(dupes.code, dupes.stderr).toBe(0);
    expect(dupes.stdout).toBe(
      `${dir.path('a/photo.jpg')}\n[manifest] backup:/2019/photo.jpg\n\n` +
        '1 group, 0 redundant files, 0 B reclaimable, 1 copy in imported manifests (read-only) (scanned 1 file, 46 B)\n',
    );

    const again = await cli(['scan', '--from-manifest', dir.path('b.jsonl'), '--label', 'backup']);
    expect(again.stdout).toContain('replaced the earlier import of 2 files');
    const forget = await cli(['scan', '--forget-manifest', 'backup']);
    expect(forget.code, forget.stderr).toBe(0);
    expect((await cli(['dupes', '--manifests', dir.path('a')])).stdout).toContain('0 groups');
  });
});
