import type { ContentCopy } from '../catalog/copies.js';
import { formatBytes } from '../core/format.js';
import { printableName } from '../core/printable.js';
import { displayPath, jsonPath } from '../model/paths.js';
import type { Output } from '../dupes/formats/format.js';
import type { WhereAnswer } from './where.js';

/** The output formats of `nodupe where` and `dupes --all-machines`. */
export const COPY_FORMATS = ['text', 'json', 'ndjson'] as const;
export type CopyFormat = (typeof COPY_FORMATS)[number];

/** One copy in JSON: where it is, on which machine, whether here. */
function copyJson(copy: ContentCopy) {
  return {
    machine: copy.machine,
    local: copy.local,
    ...jsonPath(copy.path),
    lastSeen: copy.lastSeen > 0 ? new Date(copy.lastSeen).toISOString() : undefined,
  };
}

/**
 * A copy as text: a path of this machine as it is; another machine's (or an imported manifest's) made printable,
 * since it comes from elsewhere: no name from there may colour the terminal or forge a line marked `*`.
 */
function shown(copy: ContentCopy): string {
  return copy.local ? displayPath(copy.path) : printableName(displayPath(copy.path));
}

/** A copy's line: `*` marks one on this machine (the only kind a plan may act on). */
function copyLine(copy: ContentCopy, width: number): string {
  return `  ${copy.local ? '*' : ' '} ${printableName(copy.machine).padEnd(width)}  ${shown(copy)}\n`;
}

const machineWidth = (copies: readonly ContentCopy[]) =>
  Math.max(0, ...copies.map((c) => printableName(c.machine).length));

/** `nodupe where`: each file, then where else its content is. */
export function renderWhere(answers: readonly WhereAnswer[], format: CopyFormat, output: Output): void {
  const out = (text: string) => output.write(text);
  if (format !== 'text') {
    const items = answers.map((a) => ({
      ...jsonPath(a.path),
      size: a.size,
      algorithm: a.algorithm,
      hash: a.hash ?? null,
      copies: a.copies.map(copyJson),
      sameFile: a.sameFile.map(copyJson),
    }));
    if (format === 'json') out(`${JSON.stringify({ schema: 'nodupe.where/1', files: items }, null, 2)}\n`);
    else for (const item of items) out(`${JSON.stringify(item)}\n`);
    return;
  }
  for (const a of answers) {
    const what = `${displayPath(a.path)} (${formatBytes(a.size)})`;
    if (a.hash === undefined) out(`${what}: empty; every empty file has the same content\n`);
    else if (a.copies.length === 0) out(`${what}: no other copy known\n`);
    else {
      out(`${what}: ${a.copies.length} other ${a.copies.length === 1 ? 'copy' : 'copies'}\n`);
      const width = machineWidth(a.copies);
      for (const copy of a.copies) out(copyLine(copy, width));
    }
    for (const copy of a.sameFile) {
      out(
        `  (the same file under another name or mount, not a copy: ${printableName(copy.machine)} ${shown(copy)})\n`,
      );
    }
  }
  if (answers.some((a) => a.copies.length > 0)) out('(* on this machine)\n');
}

/**
 * Of a group's copies, those most likely the same file as one listed before them (the same inode number, size and
 * modification time: a hard link, or one file seen through two mounts, such as a NAS's disk and its share).
 */
function sameFiles(group: readonly ContentCopy[]): Set<ContentCopy> {
  const seen = new Set<string>();
  const same = new Set<ContentCopy>();
  for (const copy of group) {
    const key = `${copy.ino}:${copy.mtimeNs}`;
    if (seen.has(key)) same.add(copy);
    seen.add(key);
  }
  return same;
}

/**
 * `dupes --all-machines`: the groups across every machine of a shared catalog, local copies marked. A group whose
 * copies are all one file (under other names or mounts) is no group.
 */
export function renderCopyGroups(
  groups: Iterable<ContentCopy[]>,
  format: CopyFormat,
  output: Output,
): number {
  const out = (text: string) => output.write(text);
  let n = 0;
  if (format === 'json') out(`{"schema":"nodupe.copies/1","groups":[`);
  for (const group of groups) {
    const same = sameFiles(group);
    const copies = group.length - same.size;
    if (copies < 2) continue;
    const first = group[0]!;
    if (format === 'text') {
      const here = group.filter((c) => c.local && !same.has(c)).length;
      out(
        `${n > 0 ? '\n' : ''}${copies} copies of ${formatBytes(first.size)} (${here} on this machine), ${first.hash}:\n`,
      );
      const width = machineWidth(group);
      for (const copy of group) {
        const line = copyLine(copy, width);
        out(
          same.has(copy)
            ? `${line.slice(0, -1)}  (the same file as a line above: inode and time match)\n`
            : line,
        );
      }
    } else {
      const json = JSON.stringify({
        size: first.size,
        hash: first.hash,
        copies: group.map((c) => ({ ...copyJson(c), ...(same.has(c) ? { sameFileAsAbove: true } : {}) })),
      });
      out(format === 'json' ? `${n > 0 ? ',' : ''}\n${json}` : `${json}\n`);
    }
    n++;
  }
  if (format === 'json') out(`${n > 0 ? '\n' : ''}]}\n`);
  else if (format === 'text' && n > 0) out('(* on this machine)\n');
  return n;
}
