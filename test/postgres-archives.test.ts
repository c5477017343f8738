// `--archives` on a PostgreSQL catalog, end to end: members are catalogued and grouped with a loose file, an
// unchanged archive is not read again, and a changed one's old members go (the SQLite run: archives-cli.test.ts).
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { postgresAvailable } from './helpers/postgres.js';
import { scratchDatabase, type ScratchDatabase } from './helpers/postgres-database.js';
import { systemProgram } from './helpers/system-programs.js';
import { scratch } from './helpers/tree.js';

describe.skipIf(!postgresAvailable() || !systemProgram(['zip'], 'zip', 'the archive tests on PostgreSQL'))(
  'nodupe --archives on a PostgreSQL catalog',
  () => {
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

    const cli = (args: string[]) =>
      runCli([...args, '--catalog', db.url, '--no-progress'], {
        cwd: dir.root,
        env: {
          XDG_DATA_HOME: dir.path('data'),
          XDG_CONFIG_HOME: dir.path('config'),
          XDG_STATE_HOME: dir.path('state'),
          NODUPE_MACHINE_ID: 'm1',
        },
      });

    it('catalogues members, groups them with loose files, and reads only new or changed archives', async () => {
      dir.write('src/inside.txt', 'a file that is also inside the archive');
      dir.write('tree/loose.txt', 'a file that is also inside the archive');
      execFileSync('zip', ['-q', '-X', dir.path('tree/backup.zip'), 'inside.txt'], { cwd: dir.path('src') });
      const first = await cli(['scan', '--archives', dir.path('tree')]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('1 archive read (1 member)');

      const dupes = await cli(['dupes', '--archives']);
      expect(dupes.stdout).toBe(
        `${dir.path('tree/loose.txt')}\n[archive] ${dir.path('tree/backup.zip')}!/inside.txt\n\n` +
          '1 group, 0 redundant files, 0 B reclaimable, 1 archive member (read-only)\n',
      );

      const again = await cli(['scan', '--archives', dir.path('tree')]);
      expect(again.stdout).toContain('read 0 B;');
      expect(again.stdout).toContain('0 archives read (0 members), 1 archive unchanged');

      execFileSync('rm', [dir.path('tree/backup.zip')]);
      dir.write('src/other.txt', 'something else');
      execFileSync('zip', ['-q', '-X', dir.path('tree/backup.zip'), 'other.txt'], { cwd: dir.path('src') });
      expect((await cli(['scan', '--archives', dir.path('tree')])).stdout).toContain(
        '1 archive read (1 member)',
      );
      const after = await cli(['dupes', '--archives', '--format', 'json']);
      expect((JSON.parse(after.stdout) as { groups: unknown[] }).groups).toEqual([]);
    });
  },
);
