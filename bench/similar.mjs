// nodupe similar images against findimagedupes and dupeGuru's picture mode, on one corpus of real photos and their
// variants (bench/similar/corpus.mjs: Debian packages' wallpapers and sample images, each capped at 1024 px, 12
// ImageMagick variants each, hard negatives). Whole processes, warm page cache, the tools alternating in every
// round (their order rotated), medians over rounds. Scored as pairs after transitive closure against the truth:
// precision, recall, F1, recall per transform, hard-negative pairs merged, files dropped silently.
//
//   npm run bench:similar                        # all originals (about 175 × 13 files), ROUNDS=3
//   ORIGINALS=40 ROUNDS=1 npm run bench:similar  # a quick round: 40 originals (hard negatives first)
//   TOOLS=findimagedupes,dupeguru-scaled npm run bench:similar
//   NODUPE_SIMILAR_ARGS='--similarity high' FINDIMAGEDUPES_THRESHOLD=95% npm run bench:similar
//
// Prints JSON lines: similar/corpus (what the corpus holds), then similar/images per tool (version, images,
// seconds, images/s, peak RSS, precision, recall, F1, perTransform, hardNegatives, dropped), and for nodupe
// similar/images-rescan (the same images again into the first round's catalog). Needs the Debian packages
// findimagedupes and dupeguru (a tool that is missing is skipped with a notice on stderr, as is nodupe while it has
// no `similar images` command). The corpus and catalogs live in $NODUPE_BENCH_DIR/similar (default: the system temp
// folder, nodupe-bench/similar); the packages' pictures are downloaded once.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, emit, freshCatalog, median, orFailure, removeCatalog, rotated, round } from './lib.mjs';
import { TRANSFORMS, ensureImageCorpus } from './similar/corpus.mjs';
import {
  debianVersion,
  nodupeHasSimilar,
  nodupeVersion,
  rescanNodupe,
  runDupeguru,
  runFindimagedupes,
  runNodupe,
} from './similar/peers.mjs';
import { score } from './similar/score.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ORIGINALS = process.env.ORIGINALS ? Number(process.env.ORIGINALS) : undefined;
const ALL_TOOLS = ['nodupe', 'findimagedupes', 'dupeguru-scaled', 'dupeguru-default'];
const WANTED = process.env.TOOLS ? process.env.TOOLS.split(',') : ALL_TOOLS;
process.env.QT_QPA_PLATFORM = 'offscreen';

const notice = (message) => process.stderr.write(`${message}\n`);
const work = join(benchDir(), 'similar');
const { dir, truthPath, truth } = await ensureImageCorpus(work, ORIGINALS, notice);
const images = truth.files.length;
emit({
  bench: 'similar/corpus',
  dir,
  truth: truthPath,
  originals: truth.originals.length,
  images,
  transforms: TRANSFORMS.map((t) => t.name),
  hardNegativeSets: truth.hardNegatives.length,
  hardNegativeOriginals: truth.originals.filter((o) => o.set).length,
  packages: truth.packages,
  imagemagick: debianVersion('imagemagick'),
});

const tools = availableTools();
for (const path of readdirSync(dir)) readFileSync(join(dir, path)); // warm the page cache

const runs = Object.fromEntries(tools.map((t) => [t.name, []]));
const errors = Object.fromEntries(tools.map((t) => [t.name, []]));
let firstCatalog;
for (let r = 0; r < ROUNDS; r++) {
  for (const tool of rotated(tools, r)) {
    const catalog = tool.name === 'nodupe' ? freshCatalog(work, `nodupe-round${r}`) : undefined;
    const got = orFailure(() => tool.run(catalog));
    if (got.error) errors[tool.name].push(got.error);
    else runs[tool.name].push(got);
    if (catalog && r === 0 && !got.error) firstCatalog = catalog;
    else if (catalog) removeCatalog(catalog);
  }
}

for (const tool of tools) {
  const done = runs[tool.name];
  if (done.length === 0) {
    emit({ bench: 'similar/images', tool: tool.name, version: tool.version, errors: errors[tool.name] });
    continue;
  }
  const seconds = median(done.map((d) => d.wallS));
  const first = done[0];
  const scored = score(truth, first.groups, { seen: first.seen, problems: first.problems });
  emit({
    bench: 'similar/images',
    tool: tool.name,
    version: tool.version,
    ...tool.settings(first),
    images,
    seconds: round(seconds),
    secondsRuns: done.map((d) => round(d.wallS)),
    imagesPerS: round(images / seconds, 1),
    peakRssMb: round(Math.max(...done.map((d) => d.rssMb)), 1),
    ...scored,
    sameGroupsEveryRound: done.every((d) => sameGroups(d.groups, first.groups)),
    ...(errors[tool.name].length > 0 ? { errors: errors[tool.name] } : {}),
  });
}

if (firstCatalog) {
  const rescan = orFailure(() => rescanNodupe(dir, firstCatalog));
  if (rescan.error) emit({ bench: 'similar/images-rescan', tool: 'nodupe', error: rescan.error });
  else {
    const scored = score(truth, rescan.groups, { seen: rescan.seen, problems: rescan.problems });
    emit({
      bench: 'similar/images-rescan',
      tool: 'nodupe',
      images,
      seconds: round(rescan.wallS),
      imagesPerS: round(images / rescan.wallS, 1),
      peakRssMb: round(rescan.rssMb, 1),
      f1: scored.f1,
      sameGroupsAsFirstScan: sameGroups(rescan.groups, runs.nodupe[0].groups),
    });
  }
  removeCatalog(firstCatalog);
}

/** The tools asked for that can run here; the others are named on stderr. */
function availableTools() {
  const all = {
    nodupe: () =>
      nodupeHasSimilar()
        ? {
            version: nodupeVersion(),
            run: (catalog) => runNodupe(dir, catalog),
            settings: (d) => ({ detector: d.detector, maxDistance: d.maxDistance }),
          }
        : 'nodupe: this build has no `similar images` command yet: skipped',
    findimagedupes: () =>
      debianVersion('findimagedupes')
        ? {
            version: debianVersion('findimagedupes'),
            run: () => runFindimagedupes(dir),
            settings: (d) => ({ threshold: d.threshold, stderrLines: d.warnings }),
          }
        : 'findimagedupes: not installed (apt-get install findimagedupes): skipped',
    'dupeguru-scaled': () => dupeguru(true),
    'dupeguru-default': () => dupeguru(false),
  };
  const tools = [];
  for (const name of WANTED) {
    const got = all[name]?.() ?? `${name}: no such tool (${ALL_TOOLS.join(', ')})`;
    if (typeof got === 'string') notice(got);
    else tools.push({ name, ...got });
  }
  return tools;
}

function dupeguru(scaled) {
  const version = debianVersion('dupeguru');
  if (!version) return 'dupeguru: not installed (apt-get install dupeguru): skipped';
  return {
    version,
    run: () => runDupeguru(dir, work, scaled),
    settings: (d) => ({ matchScaled: scaled, hardness: 95, collected: d.collected }),
  };
}

/** The same partition of files into groups (order of groups and members aside). */
function sameGroups(a, b) {
  const key = (groups) =>
    groups
      .map((g) => [...g].sort().join('\n'))
      .sort()
      .join('\n\n');
  return key(a) === key(b);
}
