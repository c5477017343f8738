// Scale: a tree of 300,000 small files (made once by the corpus generator's --small mode). nodupe scans it into
// a fresh catalog; the figures are peak RSS (target: at most 400 MB) and files per second, then a rescan.
//
//   npm run bench:scale          (FILES=300000 by default)
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';
import { emit, round } from './lib.mjs';

const BIN = fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));
const FILES = Number(process.env.FILES ?? 300_000);
const work = join(process.env.NODUPE_BENCH_DIR ?? join(tmpdir(), 'nodupe-bench'));
mkdirSync(work, { recursive: true });
const corpus = ensureCorpus(join(work, `corpus-small-${FILES}`), { files: FILES, small: true });
const catalog = join(work, 'catalog-scale.db');
for (const suffix of ['', '-wal', '-shm']) rmSync(catalog + suffix, { force: true });

function run(label) {
  const start = performance.now();
  const result = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, BIN, 'dupes', '--catalog', catalog, '--format', 'json', '-q', corpus.root],
    {
      maxBuffer: 1 << 30,
    },
  );
  const wallS = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(result.stderr.toString());
  const rssMb = Number(result.stderr.toString().trim().split('\n').pop()) / 1024;
  const report = JSON.parse(result.stdout.toString());
  emit({
    bench: `scale/${label}`,
    paths: corpus.paths,
    files: report.scan.files,
    groups: report.summary.groups,
    wallS: round(wallS),
    filesPerSec: Math.round(report.scan.files / wallS),
    peakRssMb: round(rssMb, 1),
    targetRssMb: 400,
    bytesRead: report.scan.bytesRead,
    pass: rssMb <= 400,
  });
}

run('first-scan');
run('rescan');
