// Archives: `nodupe scan --archives` of a folder of zip and tar.gz files holding the 20k-path corpus's files
// (bench:dupes's, ~5 GB), against a plain `nodupe scan` of the same files unpacked. Whole processes, warm page
// cache, fresh catalogs, the two alternating in every round (their order rotated); medians and their ratio.
//
//   npm run bench:archives                 # ROUNDS=3
//
// The archives are made once (zip -1 and tar | gzip -1, each of the corpus's top folders in one of them, in
// turn), and unpacked once into a folder of their own, so that both sides hold the very same files: the corpus's
// regular files with one link and some content (its hard links, symbolic links and empty files are left out of
// both). MB/s is MB of member content (= of the loose files) per second of the whole scan, both ways. The member
// groups (`dupes --archives`, names inside the archives) are checked to equal the loose files' groups (their
// paths relative to the unpacked folder). Prints JSON lines: archives/corpus, archives/first-scan (both ways,
// ratio), archives/rescan (the unchanged folder of archives: bytes read, archives read again), archives/groups.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureCorpus } from './corpus.mjs';
import {
  benchDir,
  emit,
  freshCatalog,
  median,
  NODUPE_BIN,
  removeCatalog,
  rotated,
  round,
  singleFiles,
  timed,
} from './lib.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const work = benchDir();
const corpus = ensureCorpus(join(work, 'corpus-20k'));
const archives = join(work, 'archives-of-20k');
const unpacked = join(work, 'archives-unpacked');
const marker = join(archives, '.made.json');

/** The archives (made once): each top folder of the corpus in a zip or a tar.gz, in turn; then unpacked. */
function makeArchives() {
  if (existsSync(marker)) return JSON.parse(execFileSync('cat', [marker]).toString());
  rmSync(archives, { recursive: true, force: true });
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(archives, { recursive: true });
  mkdirSync(unpacked, { recursive: true });
  const files = singleFiles(corpus.root).map((f) => ({ ...f, path: relative(corpus.root, f.path) }));
  const byTop = new Map();
  for (const f of files) {
    const top = f.path.split('/')[0];
    if (!f.path.includes('/')) continue; // files at the top: none in the corpus; left out of both sides
    byTop.set(top, [...(byTop.get(top) ?? []), f]);
  }
  let bytes = 0;
  let members = 0;
  let zips = 0;
  let tars = 0;
  [...byTop.keys()].sort().forEach((top, i) => {
    const list = join(work, 'archive-list.txt');
    writeFileSync(
      list,
      byTop
        .get(top)
        .map((f) => `${f.path}\n`)
        .join(''),
    );
    for (const f of byTop.get(top)) {
      bytes += f.size;
      members++;
    }
    if (i % 2 === 0) {
      execFileSync('sh', ['-c', `zip -q -1 -X ${join(archives, `${top}.zip`)} -@ < ${list}`], {
        cwd: corpus.root,
      });
      zips++;
    } else {
      execFileSync('tar', ['-c', '-I', 'gzip -1', '-f', join(archives, `${top}.tar.gz`), '-T', list], {
        cwd: corpus.root,
      });
      tars++;
    }
  });
  for (const name of readdirSync(archives)) {
    const path = join(archives, name);
    if (name.endsWith('.zip')) execFileSync('unzip', ['-q', path, '-d', unpacked]);
    else if (name.endsWith('.tar.gz')) execFileSync('tar', ['-xzf', path, '-C', unpacked]);
  }
  const made = { members, bytes, zips, tars };
  writeFileSync(marker, JSON.stringify(made));
  return made;
}

/** `nodupe scan` (plus `extra`) of `tree` into `catalog`, quiet. */
const scan = (catalog, tree, extra = []) =>
  timed(process.execPath, [NODUPE_BIN, 'scan', '--catalog', catalog, '-q', ...extra, tree]);

/** `nodupe dupes --format json` from the catalog (plus `extra`). */
const dupes = (catalog, extra = []) =>
  JSON.parse(
    timed(process.execPath, [NODUPE_BIN, 'dupes', '--catalog', catalog, '--format', 'json', '-q', ...extra])
      .stdout,
  );

/** Groups as sorted lists of names, sorted: a multiset of names per group. */
const canonical = (groups) =>
  groups
    .map((g) => g.sort().join('\n'))
    .sort()
    .join('\n\n');

const made = makeArchives();
const mb = made.bytes / 1e6;
emit({ bench: 'archives/corpus', ...made, mb: round(mb, 1) });

const runs = { archives: [], loose: [] };
let catalogs;
for (let r = 0; r < ROUNDS; r++) {
  const fresh = { archives: freshCatalog(work, `archives-${r}`), loose: freshCatalog(work, `loose-${r}`) };
  for (const peer of rotated(['archives', 'loose'], r)) {
    runs[peer].push(
      peer === 'archives' ? scan(fresh.archives, archives, ['--archives']) : scan(fresh.loose, unpacked),
    );
  }
  if (r === 0) catalogs = fresh;
  else for (const c of Object.values(fresh)) removeCatalog(c);
}
const archivesS = median(runs.archives.map((x) => x.wallS));
const looseS = median(runs.loose.map((x) => x.wallS));
emit({
  bench: 'archives/first-scan',
  rounds: ROUNDS,
  mb: round(mb, 1),
  archivesS: round(archivesS),
  looseS: round(looseS),
  archivesMBps: round(mb / archivesS, 1),
  looseMBps: round(mb / looseS, 1),
  ratio: round(archivesS / looseS),
  archivesRunsS: runs.archives.map((x) => round(x.wallS)),
  looseRunsS: runs.loose.map((x) => round(x.wallS)),
  archivesRssMb: round(Math.max(...runs.archives.map((x) => x.rssMb)), 1),
});

// The unchanged folder of archives again: no archive is read again.
const again = timed(process.execPath, [
  NODUPE_BIN,
  'scan',
  '--catalog',
  catalogs.archives,
  '--archives',
  archives,
]);
const line = again.stdout.toString();
emit({
  bench: 'archives/rescan',
  wallS: round(again.wallS),
  readNothing: / read 0 B;/.test(line),
  archivesReadAgain: Number(/(\d+) archives? read \(/.exec(line)?.[1] ?? NaN),
  summary: line.trim().replace(/; catalog: .*$/, ''),
});

const memberGroups = dupes(catalogs.archives, ['--archives']).groups.map((g) =>
  (g.members ?? []).map((m) => m.archive.member),
);
const looseGroups = dupes(catalogs.loose).groups.map((g) =>
  g.files.flatMap((f) => [f.path, ...f.links.map((l) => l.path)]).map((p) => relative(unpacked, p)),
);
emit({
  bench: 'archives/groups',
  memberGroups: memberGroups.length,
  looseGroups: looseGroups.length,
  members: memberGroups.reduce((n, g) => n + g.length, 0),
  looseFiles: looseGroups.reduce((n, g) => n + g.length, 0),
  sameGroups: canonical(memberGroups) === canonical(looseGroups),
});
for (const c of Object.values(catalogs)) removeCatalog(c);
