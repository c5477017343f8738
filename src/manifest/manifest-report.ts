import { count, formatBytes } from '../core/format.js';
import type { Output } from '../dupes/formats/format.js';
import { jsonPath, type FsPath } from '../model/paths.js';
import { DIFFERENCE_KINDS, type DifferenceKind, type TreeDifference } from './check-tree.js';
import type { ManifestComparison, ManifestGroup } from './compare-manifests.js';
import type { ManifestEntry } from './manifest.js';
import type { ManifestVerification } from './tree-manifest.js';

/** The formats of `manifest verify` and `manifest compare`. */
export const MANIFEST_REPORT_FORMATS = ['text', 'json'] as const;
export type ManifestReportFormat = (typeof MANIFEST_REPORT_FORMATS)[number];

/** Differences of each kind in a verification. */
export function differenceCounts(v: ManifestVerification): Record<DifferenceKind, number> {
  const counts = Object.fromEntries(DIFFERENCE_KINDS.map((k) => [k, 0])) as Record<DifferenceKind, number>;
  for (const d of v.differences) counts[d.kind]++;
  return counts;
}

/**
 * A verification as text (a line per difference, `KIND: PATH (what)`, paths as their raw bytes, then a summary
 * line), or as one JSON document.
 */
export function renderVerification(
  v: ManifestVerification,
  meta: { manifest: string; algorithm: string; full: boolean },
  format: ManifestReportFormat,
  out: Output,
): void {
  const counts = differenceCounts(v);
  if (format === 'json') {
    const doc = {
      manifest: meta.manifest,
      algorithm: meta.algorithm,
      full: meta.full,
      listed: v.listed,
      matched: v.matched,
      bytesRead: v.bytesRead,
      counts,
      differences: v.differences.map(jsonDifference),
    };
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  for (const d of v.differences) line(out, `${d.kind}: `, d.path, describe(d));
  const found = DIFFERENCE_KINDS.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  out.write(
    `${count(v.listed, 'file')} listed, ${v.matched} unchanged` +
      `${found.length > 0 ? `; ${found.join(', ')}` : ''}; read ${formatBytes(v.bytesRead)}\n`,
  );
}

function line(out: Output, prefix: string, path: FsPath, note = ''): void {
  out.write(prefix);
  out.write(path);
  out.write(note === '' ? '\n' : ` (${note})\n`);
}

function describe(d: TreeDifference): string {
  switch (d.kind) {
    case 'changed': {
      const what: string[] = [];
      if (d.listed.size !== d.found.size) what.push(`size ${d.listed.size} → ${d.found.size} bytes`);
      if (d.listed.mtimeNs !== d.found.mtimeNs) what.push('mtime moved');
      return what.join(', ');
    }
    case 'corrupted':
      return 'same size and mtime, other content';
    case 'unreadable':
      return 'could not be read';
    case 'missing':
    case 'extra':
      return '';
    default: {
      const unknown: never = d;
      throw new Error(`unhandled difference ${String(unknown)}`);
    }
  }
}

const jsonEntry = (e: { size: number; mtimeNs: bigint; hash?: string | undefined }) => ({
  size: e.size,
  mtimeNs: String(e.mtimeNs),
  ...(e.hash === undefined ? {} : { hash: e.hash }),
});

function jsonDifference(d: TreeDifference) {
  return {
    kind: d.kind,
    ...jsonPath(d.path),
    ...('listed' in d ? { listed: jsonEntry(d.listed) } : {}),
    ...('found' in d ? { found: jsonEntry(d.found) } : {}),
  };
}

/** The labels of the two manifests compared, in text output. */
const SIDES = ['A', 'B'] as const;

/**
 * A comparison as text (`only in A: PATH`, `only in B: PATH`, `differs: PATH`, then, when asked for, the groups
 * of duplicates, each member `A: PATH` with its hard links below it, groups apart by a blank line, then a summary
 * line), or as one JSON document.
 */
export function renderComparison(
  c: ManifestComparison,
  groups: readonly ManifestGroup[] | undefined,
  sources: readonly [string, string],
  format: ManifestReportFormat,
  out: Output,
): void {
  if (format === 'json') {
    const pair = (p: { path: FsPath; a: ManifestEntry; b: ManifestEntry }) => ({
      ...jsonPath(p.path),
      a: jsonEntry(p.a),
      b: jsonEntry(p.b),
    });
    const doc = {
      a: sources[0],
      b: sources[1],
      same: c.same,
      onlyA: c.onlyA.map((e) => jsonPath(e.path)),
      onlyB: c.onlyB.map((e) => jsonPath(e.path)),
      differ: c.differ.map(pair),
      retimed: c.retimed.map(pair),
      ...(groups === undefined ? {} : { groups: groups.map(jsonGroup) }),
    };
    out.write(`${JSON.stringify(doc, null, 2)}\n`);
    return;
  }
  for (const e of c.onlyA) line(out, 'only in A: ', e.path);
  for (const e of c.onlyB) line(out, 'only in B: ', e.path);
  for (const p of c.differ) {
    line(
      out,
      'differs: ',
      p.path,
      p.a.size === p.b.size ? 'other content' : `size ${p.a.size} → ${p.b.size}`,
    );
  }
  if (groups !== undefined) {
    if (c.onlyA.length + c.onlyB.length + c.differ.length > 0) out.write('\n');
    for (const g of groups) {
      for (const m of g.members) {
        line(out, `${SIDES[m.manifest]!}: `, m.paths[0]!);
        for (const link of m.paths.slice(1)) line(out, `  = ${SIDES[m.manifest]!}: `, link);
      }
      out.write('\n');
    }
  }
  out.write(
    `A: ${sources[0]}, B: ${sources[1]}: ${c.same} the same` +
      (c.retimed.length > 0 ? ` (${c.retimed.length} with another mtime)` : '') +
      `, ${c.onlyA.length} only in A, ${c.onlyB.length} only in B, ${c.differ.length} differing` +
      (groups === undefined ? '' : `; ${count(groups.length, 'duplicate group')}`) +
      '\n',
  );
}

function jsonGroup(g: ManifestGroup) {
  return {
    size: g.size,
    hash: g.hash,
    reclaimableBytes: g.size * (g.members.length - 1),
    files: g.members.map((m) => ({
      manifest: SIDES[m.manifest]!,
      ...jsonPath(m.paths[0]!),
      links: m.paths.slice(1).map(jsonPath),
    })),
  };
}
