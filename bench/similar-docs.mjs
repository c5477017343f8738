// The documents benchmark of `similar docs`: builds the corpus (bench/similar-docs-corpus.mjs) in the bench folder,
// fingerprints every file with nodupe's document detector (from dist/: `npm run build` first), finds the pairs
// at several thresholds, and prints JSON lines: precision, recall and F1 after transitive closure (what the user
// sees as groups), recall per variant, speed, and the MinHash size sweep behind the default.
//
//   node bench/similar-docs.mjs [--originals 50] [--distractors 50] [--thresholds 0.3,0.4,0.5,0.6,0.7]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, emit, median, percentile, round } from './lib.mjs';
import { generateDocsCorpus } from './similar-docs-corpus.mjs';

const dist = new URL('../dist/similar/docs/', import.meta.url);
const load = (name) => import(new URL(name, dist).href);

/** Union-find over `count` items: the group (its root) of each item after joining every pair. */
export function closure(count, pairs) {
  const parent = Int32Array.from({ length: count }, (_, i) => i);
  const find = (x) => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const { a, b } of pairs) {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  return Array.from({ length: count }, (_, i) => find(i));
}

/**
 * Precision, recall and F1 of `pairs` ({ a, b } indexes into `files`) against the corpus's clusters, over all
 * pairs of files after transitive closure; recall per variant (the variant grouped with its original); and the
 * direct recall of (original, variant) pairs.
 */
export function scoreDocPairs(files, pairs) {
  const group = closure(files.length, pairs);
  const sizeOf = (key, list) => {
    const counts = new Map();
    for (const k of list) if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
    let total = 0;
    for (const n of counts.values()) total += (n * (n - 1)) / 2;
    return total;
  };
  const truePairs = sizeOf(
    'cluster',
    files.map((f) => (f.cluster >= 0 ? f.cluster : undefined)),
  );
  const foundPairs = sizeOf('group', group);
  const both = sizeOf(
    'both',
    files.map((f, i) => (f.cluster >= 0 ? `${f.cluster}/${group[i]}` : undefined)),
  );
  const precision = foundPairs === 0 ? 1 : both / foundPairs;
  const recall = truePairs === 0 ? 1 : both / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  const originalOf = new Map(
    files
      .map((f, i) => [f.cluster, f.variant === 'original' ? i : undefined])
      .filter(([c, i]) => c >= 0 && i !== undefined),
  );
  const perVariant = {};
  for (const [i, f] of files.entries()) {
    if (f.cluster < 0 || f.variant === 'original') continue;
    const entry = (perVariant[f.variant] ??= { grouped: 0, of: 0 });
    entry.of++;
    if (group[i] === group[originalOf.get(f.cluster)]) entry.grouped++;
  }
  const direct = new Set(pairs.map(({ a, b }) => `${Math.min(a, b)}-${Math.max(a, b)}`));
  let directFound = 0;
  let directOf = 0;
  for (const [i, f] of files.entries()) {
    if (f.cluster < 0 || f.variant === 'original') continue;
    const o = originalOf.get(f.cluster);
    directOf++;
    if (direct.has(`${Math.min(i, o)}-${Math.max(i, o)}`)) directFound++;
  }
  let siblingPairsGrouped = 0;
  const siblings = files.map((f, i) => [f, i]).filter(([f]) => f.variant === 'template-sibling');
  for (const [x, [, i]] of siblings.entries()) {
    for (const [, j] of siblings.slice(0, x)) if (group[i] === group[j]) siblingPairsGrouped++;
  }
  return {
    precision: round(precision, 4),
    recall: round(recall, 4),
    f1: round(f1, 4),
    truePairs,
    foundPairs,
    directRecall: round(directFound / Math.max(1, directOf), 4),
    siblingPairsGrouped,
    perVariantRecall: Object.fromEntries(
      Object.entries(perVariant).map(([v, e]) => [v, round(e.grouped / e.of, 3)]),
    ),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const option = (flag, fallback) => {
    const at = args.indexOf(flag);
    return at < 0 ? fallback : args[at + 1];
  };
  const originals = Number(option('--originals', 50));
  const distractors = Number(option('--distractors', 50));
  const thresholds = option('--thresholds', '0.3,0.4,0.5,0.6,0.7').split(',').map(Number);
  const root = join(benchDir(), 'similar-docs');
  const manifestPath = join(root, 'manifest.json');
  let manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
  if (manifest?.requested !== `${originals}/${distractors}`) {
    manifest = generateDocsCorpus(root, { originals, distractors });
  }
  const { files } = manifest;
  emit({
    bench: 'similar-docs',
    corpus: root,
    files: files.length,
    originals: manifest.originals,
    distractors: manifest.distractors,
    hardNegatives: manifest.hardNegatives,
    templateSiblings: manifest.templateSiblings,
    siblingJaccardMax: round(manifest.siblingJaccardMax, 3),
    excludedAsOverlapping: manifest.excluded.length,
  });

  const { fingerprint } = await load('doc-fingerprint.js');
  const { similarDocPairs, DEFAULT_DOC_THRESHOLD } = await load('doc-index.js');
  const fingerprints = [];
  const problems = [];
  const msByKind = {};
  let firstPdfMs;
  const started = performance.now();
  for (const file of files) {
    const bytes = new Uint8Array(readFileSync(join(root, file.path)));
    const t0 = performance.now();
    const result = await fingerprint(bytes, file.path);
    const kind = file.path.slice(file.path.lastIndexOf('.') + 1);
    (msByKind[kind] ??= []).push(performance.now() - t0);
    // The first PDF also loads pdf.js and its worker code (in this thread: pdf.js on Node has no worker thread).
    if (kind === 'pdf' && firstPdfMs === undefined) firstPdfMs = performance.now() - t0;
    if ('problem' in result) {
      problems.push({ path: file.path, problem: result.problem });
      fingerprints.push(undefined);
    } else fingerprints.push(result.fingerprint);
  }
  const totalMs = performance.now() - started;
  emit({
    bench: 'similar-docs',
    phase: 'fingerprint',
    docsPerS: round(files.length / (totalMs / 1000), 1),
    firstPdfMs: round(firstPdfMs ?? NaN, 1),
    medianMsByKind: Object.fromEntries(Object.entries(msByKind).map(([k, v]) => [k, round(median(v), 2)])),
    fingerprintBytesMedian: median(fingerprints.filter(Boolean).map((f) => f.length)),
    problems,
  });
  // Indexes of the fingerprinted files, to map the index's item numbers back to the corpus's.
  const present = fingerprints.map((f, i) => (f ? i : -1)).filter((i) => i >= 0);
  const given = present.map((i) => fingerprints[i]);
  for (const threshold of thresholds) {
    const t0 = performance.now();
    const found = similarDocPairs(given, threshold);
    const indexMs = performance.now() - t0;
    const pairs = found.map(({ a, b }) => ({ a: present[a], b: present[b] }));
    emit({
      bench: 'similar-docs',
      detector: 'nodupe',
      threshold,
      default: threshold === DEFAULT_DOC_THRESHOLD,
      indexMs: round(indexMs, 1),
      pairs: found.length,
      ...scoreDocPairs(files, pairs),
    });
  }
  await signatureSweep(files, root, thresholds);
}

/**
 * The MinHash size sweep: for k hash functions, the banding chosen for each threshold, how many candidate pairs
 * LSH proposes, and what fraction of the pairs at or above the threshold (by exact Jaccard) it proposes.
 */
async function signatureSweep(files, root, thresholds) {
  const { extractText } = await load('extract-text.js');
  const { shingleSet, jaccard } = await load('shingles.js');
  const { minhashSignature } = await load('minhash.js');
  const { candidatePairs, chooseBanding, candidateChance } = await load('lsh.js');
  const sets = [];
  const owners = [];
  for (const file of files) {
    const extracted = await extractText(new Uint8Array(readFileSync(join(root, file.path))), file.path);
    if ('text' in extracted) {
      sets.push(shingleSet(extracted.text));
      owners.push(file);
    }
  }
  const exact = [];
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) exact.push([i, j, jaccard(sets[i], sets[j])]);
  }
  // The exact Jaccard of each variant to its original, and of the pairs that are not near-duplicates: where
  // the threshold can sit.
  const byVariant = {};
  let negativeMax = 0;
  let negativesAbove = 0;
  for (const [i, j, similarity] of exact) {
    const [x, y] = [owners[i], owners[j]];
    if (x.cluster >= 0 && x.cluster === y.cluster) {
      const [o, v] = x.variant === 'original' ? [x, y] : [y, x];
      if (o.variant === 'original') (byVariant[v.variant] ??= []).push(similarity);
    } else {
      negativeMax = Math.max(negativeMax, similarity);
      if (similarity >= 0.1) negativesAbove++;
    }
  }
  emit({
    bench: 'similar-docs',
    phase: 'jaccard',
    toOriginal: Object.fromEntries(
      Object.entries(byVariant).map(([v, js]) => [
        v,
        { min: round(Math.min(...js), 3), p5: round(percentile(js, 5), 3), median: round(median(js), 3) },
      ]),
    ),
    negativeMax: round(negativeMax, 3),
    negativesAtLeast0_1: negativesAbove,
  });
  for (const k of [32, 64, 128, 256]) {
    const t0 = performance.now();
    const signatures = sets.map((s) => minhashSignature(s, k));
    const minhashMsPerDoc = (performance.now() - t0) / sets.length;
    for (const threshold of thresholds) {
      const banding = chooseBanding(threshold, k);
      const candidates = new Set(candidatePairs(signatures, banding).map(([a, b]) => a * sets.length + b));
      const wanted = exact.filter(([, , j]) => j >= threshold);
      const caught = wanted.filter(([a, b]) => candidates.has(a * sets.length + b)).length;
      emit({
        bench: 'similar-docs',
        phase: 'minhash-sweep',
        k,
        threshold,
        bands: banding.bands,
        rows: banding.rows,
        sCurveAtThreshold: round(candidateChance(threshold, banding), 4),
        candidates: candidates.size,
        pairsAtThreshold: wanted.length,
        candidateRecall: round(caught / Math.max(1, wanted.length), 4),
        minhashMsPerDoc: round(minhashMsPerDoc, 3),
      });
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
