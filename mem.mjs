import { SqliteCatalog } from './dist/catalog/sqlite/sqlite-store.js';
import { scan } from './dist/scan/scan.js';
import { rmSync } from 'node:fs';
const db = '/tmp/mem.db';
for (const s of ['', '-wal', '-shm']) rmSync(db + s, { force: true });
const mb = (x) => Math.round(x / 1048576);
for (let i = 0; i < 2; i++) {
  const catalog = SqliteCatalog.open(db);
  const t = performance.now();
  const r = await scan({ roots: ['/tmp/nodupe-bench/corpus-small-300000'], catalog });
  console.log(
    process.execArgv.join(' '),
    'scan',
    i,
    ((performance.now() - t) / 1000).toFixed(1),
    's',
    'maxRSS',
    mb(process.resourceUsage().maxRSS * 1024),
    'groups',
    r.groups.length,
  );
  catalog.close();
}
