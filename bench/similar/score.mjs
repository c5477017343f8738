// Scoring a tool's groups against the corpus truth: pairs after transitive closure (the groups merged where they
// share a file, then every pair inside each merged group) against the true pairs (every pair inside a cluster).
import { basename } from 'node:path';
import { round } from '../lib.mjs';

/**
 * @param {{ files: { path: string, cluster: string, transform: string }[],
 *   originals: { cluster: string, set: string | null }[] }} truth
 * @param {string[][]} groups  the tool's groups, as paths (only the base name counts: the corpus is one folder)
 * @param {{ seen?: Iterable<string>, problems?: Iterable<string> }} [reported]  the files the tool says it examined,
 *   and those it reported as problems; a file in neither (nor in a group) is one it dropped silently. Without
 *   `seen`, only group members and problems count as reported on.
 */
export function score(truth, groups, reported = {}) {
  const index = new Map(truth.files.map((f, i) => [f.path, i]));
  const parent = truth.files.map((_f, i) => i);
  const find = (i) => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  let foreign = 0;
  const grouped = new Set();
  for (const group of groups) {
    const members = [];
    for (const path of group) {
      const i = index.get(basename(path));
      if (i === undefined) foreign++;
      else members.push(i);
    }
    for (const i of members) {
      grouped.add(i);
      parent[find(i)] = find(members[0]);
    }
  }

  // pairs: per component, all pairs; true ones are pairs of one cluster inside it
  const components = new Map();
  for (const i of grouped) {
    const root = find(i);
    if (!components.has(root)) components.set(root, new Map());
    const clusters = components.get(root);
    const cluster = truth.files[i].cluster;
    clusters.set(cluster, (clusters.get(cluster) ?? 0) + 1);
  }
  const pairs = (n) => (n * (n - 1)) / 2;
  let predicted = 0;
  let truePositive = 0;
  for (const clusters of components.values()) {
    let size = 0;
    for (const n of clusters.values()) {
      size += n;
      truePositive += pairs(n);
    }
    predicted += pairs(size);
  }
  const clusterSizes = new Map();
  for (const f of truth.files) clusterSizes.set(f.cluster, (clusterSizes.get(f.cluster) ?? 0) + 1);
  const actual = [...clusterSizes.values()].reduce((sum, n) => sum + pairs(n), 0);
  const precision = predicted === 0 ? 1 : truePositive / predicted;
  const recall = actual === 0 ? 1 : truePositive / actual;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);

  // per transform: a variant is found when it is in one group with its original
  const originalOf = new Map();
  truth.files.forEach((f, i) => {
    if (f.transform === 'original') originalOf.set(f.cluster, i);
  });
  const perTransform = {};
  truth.files.forEach((f, i) => {
    if (f.transform === 'original') return;
    const o = originalOf.get(f.cluster);
    const found = grouped.has(i) && grouped.has(o) && find(i) === find(o);
    const t = (perTransform[f.transform] ??= { found: 0, of: 0 });
    t.of++;
    if (found) t.found++;
  });

  // hard negatives: pairs of originals of one scene set that ended up in one group
  const sets = new Map();
  for (const o of truth.originals) if (o.set) sets.set(o.set, [...(sets.get(o.set) ?? []), o.cluster]);
  let hardPairs = 0;
  let hardMerged = 0;
  for (const clusters of sets.values()) {
    for (let a = 0; a < clusters.length; a++) {
      for (let b = a + 1; b < clusters.length; b++) {
        hardPairs++;
        const ia = originalOf.get(clusters[a]);
        const ib = originalOf.get(clusters[b]);
        if (grouped.has(ia) && grouped.has(ib) && find(ia) === find(ib)) hardMerged++;
      }
    }
  }

  // silent skips
  const problems = new Set([...(reported.problems ?? [])].map((p) => index.get(basename(p))));
  const seen = reported.seen ? new Set([...reported.seen].map((p) => index.get(basename(p)))) : undefined;
  const dropped = [];
  truth.files.forEach((f, i) => {
    const reportedOn = seen ? seen.has(i) || problems.has(i) : grouped.has(i) || problems.has(i);
    if (!reportedOn) dropped.push(f.path);
  });

  return {
    precision: round(precision, 4),
    recall: round(recall, 4),
    f1: round(f1, 4),
    truePairs: actual,
    reportedPairs: predicted,
    falsePairs: predicted - truePositive,
    perTransform: Object.fromEntries(
      Object.entries(perTransform).map(([t, { found, of }]) => [t, round(found / of, 3)]),
    ),
    hardNegatives: { pairs: hardPairs, merged: hardMerged },
    problems: problems.size,
    dropped: dropped.length,
    droppedByKind: countBy(dropped, (p) => p.replace(/^c\d+-/, '')),
    foreignPaths: foreign,
  };
}

/** "original.png": 3, "webp.webp": 190, ... (the transform and extension of each dropped file). */
function countBy(items, key) {
  const out = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}
