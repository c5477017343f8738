// The shared catalog on PostgreSQL beyond the store contract: what opening refuses, one machine's view of a
// catalog that several machines write (a USB disk is the same disk on both, its rows read by each machine's own
// paths and device numbers; another machine's copies are shown as evidence, never as local files), and one scan at
// a time per volume.
import { execFile } from 'node:child_process';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localVolumes, type VolumeSources } from '../src/catalog/identity.js';
import { PostgresCatalog } from '../src/catalog/postgres/postgres-store.js';
import { MIGRATIONS } from '../src/catalog/postgres/migrations.js';
import { NodupeError } from '../src/core/errors.js';
import { knownPaths, writeRows, type TestRow } from './helpers/catalog-rows.js';
import { postgresAvailable } from './helpers/postgres.js';
import { scratchSchema, type ScratchDatabase } from './helpers/postgres-database.js';
import { catching } from './helpers/catching.js';

const T = 1_700_000_000_000_000_000n;

/** A laptop: its root disk, and a USB disk at /media/ann/USB. */
const laptop: VolumeSources = {
  mountinfo: Buffer.from(
    ['27 1 254:0 / / rw - ext4 /dev/vda rw', '41 27 8:17 / /media/ann/USB rw - exfat /dev/sdb1 rw'].join(
      '\n',
    ),
  ),
  uuids: new Map([
    ['254:0', 'laptop-root'],
    ['8:17', 'usb-disk'],
  ]),
};
/** A NAS: its own root disk, and the same USB disk at /mnt/usb, another device number there. */
const nas: VolumeSources = {
  mountinfo: Buffer.from(
    ['20 1 253:1 / / rw - ext4 /dev/vdb rw', '33 20 8:33 / /mnt/usb rw - exfat /dev/sdc1 rw'].join('\n'),
  ),
  uuids: new Map([
    ['253:1', 'nas-root'],
    ['8:33', 'usb-disk'],
  ]),
};

describe.skipIf(!postgresAvailable())('the shared catalog on PostgreSQL', () => {
  let schema: ScratchDatabase;
  const opened: PostgresCatalog[] = [];
  const open = (id: string, sources: VolumeSources, options: { scanLockTimeoutMs?: number } = {}) => {
    const catalog = PostgresCatalog.open(schema.url, {
      machine: { id, name: id === 'm1' ? 'laptop' : 'nas' },
      volumes: localVolumes(id, sources),
      ...options,
    });
    opened.push(catalog);
    return catalog;
  };
  async function raw<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  beforeEach(async () => {
    schema = await scratchSchema();
  });
  afterEach(async () => {
    for (const catalog of opened.splice(0)) catalog.close();
    await schema.drop();
  });

  describe('opening', () => {
    it('makes the schema once, and opens it again as the same catalog; the location hides the password', async () => {
      const first = open('m1', laptop);
      const again = open('m2', nas);
      expect(again.id).toBe(first.id);
      expect(first.id).toMatch(/^[0-9a-f]{32}$/);
      expect(first.location).not.toContain(new URL(schema.url).password);
      expect(first.location).toContain('***');
      const versions = await raw((c) => c.query('SELECT version FROM schema_migrations'));
      expect(versions.rows).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    });

    it('is made once when four machines open an empty catalog at the same moment', async () => {
      // Each in a process of its own, from the built store, as machines starting at once.
      const store = new URL('../dist/catalog/postgres/postgres-store.js', import.meta.url).href;
      const script = `const { PostgresCatalog } = await import(${JSON.stringify(store)});
        PostgresCatalog.open(process.argv[1], { machine: { id: process.argv[2], name: 'm' } }).close();`;
      const outcomes = await Promise.all(
        ['m1', 'm2', 'm3', 'm4'].map((id) =>
          run(process.execPath, ['--input-type=module', '-e', script, schema.url, id]),
        ),
      );
      expect(outcomes).toEqual(['', '', '', '']);
      const versions = await raw((c) => c.query('SELECT version FROM schema_migrations'));
      expect(versions.rows).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    });

    it('refuses, as bad input, a database without a catalog when not to create one', () => {
      const error = catching(() =>
        PostgresCatalog.open(schema.url, { create: false, volumes: localVolumes('m1', laptop) }),
      );
      expect(error).toMatchObject({ code: 'BAD_INPUT' });
      expect((error as Error).message).toMatch(/there is no catalog in/);
    });

    it('refuses a database that has tables but is not a nodupe catalog, and leaves it as it is', async () => {
      await raw((c) => c.query('CREATE TABLE invoices (id int PRIMARY KEY)'));
      expect(() => open('m1', laptop)).toThrow(
        /is a PostgreSQL database with tables, but not a nodupe catalog/,
      );
      const tables = await raw((c) =>
        c.query('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()'),
      );
      expect(tables.rows).toEqual([{ tablename: 'invoices' }]);
    });

    it('refuses a catalog from a newer nodupe', async () => {
      open('m1', laptop).close();
      opened.length = 0;
      await raw((c) => c.query('INSERT INTO schema_migrations VALUES (99, 0)'));
      const error = catching(() => open('m1', laptop));
      expect(error).toBeInstanceOf(NodupeError);
      expect(error).toMatchObject({ code: 'BAD_INPUT' });
      expect((error as Error).message).toMatch(/schema version 99, newer/);
    });
  });

  describe('machines', () => {
    const usbRows: TestRow[] = [
      {
        path: '/media/ann/USB/photos/a.jpg',
        dev: 2065n,
        ino: 11n,
        size: 100,
        mtimeNs: T,
        hashes: { full: 'same' },
      },
      {
        path: '/media/ann/USB/photos/b.jpg',
        dev: 2065n,
        ino: 12n,
        size: 200,
        mtimeNs: T,
        hashes: { full: 'b' },
      },
    ];
    const homeRows: TestRow[] = [
      {
        path: '/home/ann/a-copy.jpg',
        dev: 65024n,
        ino: 21n,
        size: 100,
        mtimeNs: T,
        hashes: { full: 'same' },
      },
    ];

    async function laptopScans(): Promise<PostgresCatalog> {
      const m1 = open('m1', laptop);
      const id = m1.startScan(['/home/ann', '/media/ann/USB'], 1000);
      await writeRows(m1, id, [...homeRows, ...usbRows], 1000);
      m1.finishScan(id, [], 1001);
      return m1;
    }

    it('show each machine the rows of the volumes mounted on it, by its own paths and device numbers', async () => {
      const m1 = await laptopScans();
      const m2 = open('m2', nas);
      // The USB disk's rows, as the NAS mounts it; the laptop's own disk is not the NAS's.
      const known = m2.knownRows(['/mnt/usb']);
      expect(knownPaths(known).map(String)).toEqual(['/mnt/usb/photos/a.jpg', '/mnt/usb/photos/b.jpg']);
      // 8:33 on the NAS: its own device number, not the laptop's 2065.
      expect([...known.dev]).toEqual([(8n << 8n) | 33n, (8n << 8n) | 33n]);
      expect(m2.fileAtPath('/mnt/usb/photos/b.jpg')).toMatchObject({ ino: 12n, size: 200 });
      expect(m2.counts()).toEqual({ files: 2, bytes: 300 });
      expect(
        m2
          .hashedFiles('xxh3')
          .map((f) => String(f.path))
          .sort(),
      ).toEqual(['/mnt/usb/photos/a.jpg', '/mnt/usb/photos/b.jpg']);
      expect(m2.knownRows(['/home']).count).toBe(0);
      expect(m2.scans()).toEqual([]);
      // The laptop sees all three, by its paths, with the device numbers it recorded.
      expect(knownPaths(m1.knownRows(['/'])).map(String)).toEqual([
        '/home/ann/a-copy.jpg',
        '/media/ann/USB/photos/a.jpg',
        '/media/ann/USB/photos/b.jpg',
      ]);
      expect([...m1.knownRows(['/media/ann/USB']).dev]).toEqual([2065n, 2065n]);
      // Only the laptop's own copies of "same" can be a group there; none on the NAS.
      expect([...m1.sharedHashFiles('xxh3', false)].map((f) => String(f.path)).sort()).toEqual([
        '/home/ann/a-copy.jpg',
        '/media/ann/USB/photos/a.jpg',
      ]);
      expect([...m2.sharedHashFiles('xxh3', false)]).toEqual([]);
    });

    it('say where else a content is: another machine’s copy as that machine saw it, never as local', async () => {
      await laptopScans();
      const m2 = open('m2', nas);
      const copies = m2.copiesOf({ size: 100, algorithm: 'xxh3', hash: 'same' });
      expect(copies.map((c) => [c.machine, c.local, String(c.path)])).toEqual([
        ['nas', true, '/mnt/usb/photos/a.jpg'],
        ['laptop', false, '/home/ann/a-copy.jpg'],
      ]);
      expect([...m2.copyGroups('xxh3')].map((g) => g.map((c) => `${c.machine}:${String(c.path)}`))).toEqual([
        ['nas:/mnt/usb/photos/a.jpg', 'laptop:/home/ann/a-copy.jpg'],
      ]);
    });

    it('a row another machine rescans is that machine’s again, device number and all', async () => {
      const m1 = await laptopScans();
      const m2 = open('m2', nas);
      const id = m2.startScan(['/mnt/usb'], 2000);
      await writeRows(
        m2,
        id,
        [
          {
            path: '/mnt/usb/photos/b.jpg',
            dev: 2081n,
            ino: 12n,
            size: 201,
            mtimeNs: T,
            hashes: { full: 'b2' },
          },
        ],
        2000,
      );
      m2.finishScan(id, [], 2001);
      expect(m2.fileAtPath('/mnt/usb/photos/b.jpg')).toMatchObject({ dev: 2081n, size: 201 });
      // On the laptop: its own device number of the disk, and the new content.
      expect(m1.fileAtPath('/media/ann/USB/photos/b.jpg')).toMatchObject({
        dev: (8n << 8n) | 17n,
        size: 201,
      });
    });
  });

  describe('one scan per volume at a time', () => {
    it('makes a second scan of a volume wait, refused as busy past its lock timeout; other volumes go on', () => {
      const first = open('m1', laptop);
      const second = open('m1', laptop, { scanLockTimeoutMs: 1 });
      const scanning = first.startScan(['/media/ann/USB/photos'], 1000);
      const busy = catching(() => second.startScan(['/media/ann/USB'], 1000));
      expect(busy).toMatchObject({ code: 'BUSY' });
      expect((busy as Error).message).toMatch(/another scan is writing this volume/);
      // The laptop's own disk is another volume.
      const other = second.startScan(['/home/ann'], 1000);
      second.finishScan(other, [], 1001);
      first.finishScan(scanning, [], 1001);
      const after = second.startScan(['/media/ann/USB'], 2000);
      second.finishScan(after, [], 2001);
      expect(second.scans().map((s) => s.finishedAt)).toEqual([1001, 1001, 2001]);
    });

    it('lets the locks go with a store closed mid-scan', () => {
      const first = open('m1', laptop);
      first.startScan(['/media/ann/USB'], 1000);
      first.close();
      opened.splice(opened.indexOf(first), 1);
      const second = open('m1', laptop, { scanLockTimeoutMs: 1 });
      expect(second.startScan(['/media/ann/USB'], 2000)).toBeGreaterThan(0);
    });
  });
});

/** Runs a program; resolves with what it wrote to stderr (empty when it succeeded). */
function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, (error, _stdout, stderr) =>
      resolve(error === null ? stderr : stderr || error.message),
    );
  });
}
