// Folder manifests on the 20k-path corpus (bench:dupes's, ~5 GB): `nodupe manifest write`, a rewrite of the
// unchanged tree, `verify` after 1 % of the files changed (through the catalog: only those are read), `verify
// --full`, and `compare` of two manifests with their duplicate groups (checked against `nodupe dupes` of the two
// trees). Peers, whole processes, warm page cache: `xxhsum -H3` (XXH3-64, nodupe's default hash) and
// `sha256sum` (against nodupe --hash sha256), each writing a list with `find -type f -print0 | xargs -0` and
// checking it with `-c`, which reads every file every time.
//
//   npm run bench:manifest                 # ROUNDS=3 rounds of the first writes, peers alternating
//
// The 1 % change is made in a copy of the corpus (cp -a: a real copy, so that `nodupe dupes` of the corpus and the
// copy sees two trees of separate files, as their manifests do), so the corpus itself is never changed. Prints JSON lines: manifest/write (first write, ratios to
// the peers' lists), manifest/rewrite (bytes read: 0), manifest/verify (unchanged, after 1 %, and --full, ratios
// to `-c`), manifest/compare (and whether its groups equal `nodupe dupes`).
import { spawnSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCorpus, prng } from './corpus.mjs';
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
const tree = join(work, 'manifest-tree');
const out = join(work, 'manifest-out');

/** `nodupe manifest ARGS` into `catalog`, quiet; exit 1 (differences) is not a failure here. */
function nodupe(catalog, args) {
  const run = timed(process.execPath, [NODUPE_BIN, 'manifest', ...args, '--catalog', catalog, '-q'], {
    ok: [0, 1],
  });
  return { ...run, json: JSON.parse(run.stdout.toString()) };
}

const sh = (script) => timed('sh', ['-c', script], { ok: [0, 1] });
const quoted = (path) => `'${path.replaceAll("'", "'\\''")}'`;
/** A peer's list of every regular file below `dir` (as sha256sum and xxhsum print it), and its check. */
const peerList = (tool, dir, list) =>
  sh(`cd ${quoted(dir)} && find . -type f -print0 | xargs -0 ${tool} > ${quoted(list)}`);
const peerCheck = (tool, dir, list) => sh(`cd ${quoted(dir)} && ${tool} -c --quiet ${quoted(list)}`);
const peers = {
  xxhsum: { tool: 'xxhsum -H3', algorithm: 'xxh3' },
  sha256sum: { tool: 'sha256sum', algorithm: 'sha256' },
};

rmSync(tree, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
spawnSync('mkdir', ['-p', out]);
if (spawnSync('cp', ['-a', corpus.root, tree]).status !== 0) throw new Error('cp -a failed');
// Warm the page cache.
sh(`find ${quoted(tree)} ${quoted(corpus.root)} -type f -print0 | xargs -0 cat > /dev/null`);

// First writes into fresh catalogs, against the peers' lists.
const runs = { xxh3: [], sha256: [], xxhsum: [], sha256sum: [] };
let written;
for (let r = 0; r < ROUNDS; r++) {
  for (const who of rotated(Object.keys(runs), r)) {
    if (who in peers) {
      runs[who].push(peerList(peers[who].tool, tree, join(out, `${who}.txt`)));
      continue;
    }
    const catalog = freshCatalog(work, `manifest-${who}`);
    const run = nodupe(catalog, [
      'write',
      tree,
      '-o',
      join(out, `a-${who}.jsonl`),
      '--hash',
      who,
      '--format',
      'json',
    ]);
    runs[who].push(run);
    if (who === 'xxh3' && r === ROUNDS - 1) written = { catalog, run };
    else removeCatalog(catalog);
  }
}
const wall = (list) => median(list.map((r) => r.wallS));
emit({
  bench: 'manifest/write',
  files: written.run.json.files,
  bytes: written.run.json.bytes,
  rounds: ROUNDS,
  nodupeS: round(wall(runs.xxh3)),
  bytesRead: written.run.json.bytesRead,
  xxhsumS: round(wall(runs.xxhsum)),
  ratioToXxhsum: round(wall(runs.xxh3) / wall(runs.xxhsum)),
  nodupeSha256S: round(wall(runs.sha256)),
  sha256sumS: round(wall(runs.sha256sum)),
  ratioSha256ToSha256sum: round(wall(runs.sha256) / wall(runs.sha256sum)),
});

const { catalog } = written;
const manifestA = join(out, 'a-xxh3.jsonl');
const rewrite = nodupe(catalog, ['write', tree, '-o', join(out, 'again.jsonl'), '--format', 'json']);
emit({
  bench: 'manifest/rewrite',
  nodupeS: round(rewrite.wallS),
  bytesRead: rewrite.json.bytesRead,
  pass: rewrite.json.bytesRead === 0,
});

const verify = (extra) =>
  nodupe(catalog, ['verify', tree, '--manifest', manifestA, '--format', 'json', ...extra]);
const unchanged = verify([]);

// 1 % of the files, each replaced by a new file of the same size (new content, new inode).
const rand = prng(7);
const candidates = singleFiles(tree);
const changed = [];
while (changed.length < Math.round(corpus.paths / 100)) {
  const pick = candidates.splice(Math.floor(rand() * candidates.length), 1)[0];
  const content = Buffer.alloc(pick.size);
  for (let i = 0; i < content.length; i += 4096) content.writeUInt32LE(Math.floor(rand() * 2 ** 32), i);
  writeFileSync(`${pick.path}.new`, content);
  renameSync(`${pick.path}.new`, pick.path);
  changed.push(pick);
}
const changedBytes = changed.reduce((s, f) => s + f.size, 0);
const after = verify([]);
const full = verify(['--full']);
const checks = Object.fromEntries(
  Object.entries(peers).map(([who, { tool }]) => [who, peerCheck(tool, tree, join(out, `${who}.txt`))]),
);
emit({
  bench: 'manifest/verify',
  unchangedS: round(unchanged.wallS),
  unchangedBytesRead: unchanged.json.bytesRead,
  changedFiles: changed.length,
  changedBytes,
  afterChangeS: round(after.wallS),
  afterChangeBytesRead: after.json.bytesRead,
  afterChangeFound: after.json.counts.changed,
  fullS: round(full.wallS),
  fullBytesRead: full.json.bytesRead,
  fullFound: full.json.counts.changed,
  xxhsumCheckS: round(checks.xxhsum.wallS),
  sha256sumCheckS: round(checks.sha256sum.wallS),
  ratioAfterChangeToXxhsumCheck: round(after.wallS / checks.xxhsum.wallS),
  ratioFullToXxhsumCheck: round(full.wallS / checks.xxhsum.wallS),
  pass: after.json.counts.changed === changed.length && after.json.bytesRead < 2 * changedBytes,
});

// Two manifests (the corpus's, the changed copy's) compared, their groups against `nodupe dupes` of both trees.
const manifestB = join(out, 'b.jsonl');
nodupe(catalog, ['write', tree, '-o', manifestB, '--format', 'json']);
const corpusManifest = join(out, 'corpus.jsonl');
nodupe(catalog, ['write', corpus.root, '-o', corpusManifest, '--format', 'json']);
const compareRun = timed(
  process.execPath,
  [NODUPE_BIN, 'manifest', 'compare', corpusManifest, manifestB, '--groups', '--format', 'json'],
  { ok: [0, 1] },
);
const compared = { ...compareRun, json: JSON.parse(compareRun.stdout.toString()) };
const dupes = timed(process.execPath, [
  NODUPE_BIN,
  'dupes',
  '--catalog',
  catalog,
  '-q',
  '--format',
  'json',
  corpus.root,
  tree,
]);
const relativeTo = (root, path) => path.slice(root.length + 1);
const normalized = (groups) =>
  groups
    .map((g) =>
      g
        .map((m) => m.sort().join('\u0000'))
        .sort()
        .join('\u0001'),
    )
    .sort();
const ours = compared.json.groups.map((g) =>
  g.files.map((f) => [f.path, ...f.links.map((l) => l.path)].map((p) => `${f.manifest}/${p}`)),
);
const theirs = JSON.parse(dupes.stdout.toString()).groups.map((g) =>
  g.files.map((f) =>
    [f.path, ...f.links.map((l) => l.path)].map((p) =>
      p.startsWith(`${tree}/`) ? `B/${relativeTo(tree, p)}` : `A/${relativeTo(corpus.root, p)}`,
    ),
  ),
);
const same = JSON.stringify(normalized(ours)) === JSON.stringify(normalized(theirs));
emit({
  bench: 'manifest/compare',
  compareS: round(compared.wallS),
  differing: compared.json.differ.length,
  groups: ours.length,
  dupesS: round(dupes.wallS),
  sameGroupsAsDupes: same,
  pass: same && compared.json.differ.length === changed.length,
});
removeCatalog(catalog);
rmSync(tree, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
