// Oracle helpers: what `jdupes -r` finds, and a plain reference (full content hash of every regular file),
// both as sets of physical files (device:inode) so hard links compare equal.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Canonical form of a list of groups of paths: each group as sorted "dev:ino", groups sorted. */
export function canonical(groupsOfPaths) {
  return groupsOf(groupsOfPaths.map((paths) => [...new Set(paths.map(inode))].sort()));
}

function groupsOf(groups) {
  return groups
    .filter((g) => g.length >= 2)
    .map((g) => g.join(' '))
    .sort();
}

function inode(path) {
  const st = lstatSync(path, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

export function hasJdupes() {
  return spawnSync('jdupes', ['--version']).status === 0;
}

/** Runs `jdupes -r` (plus `extra` flags) on the roots; returns its groups of paths. */
export function jdupes(roots, extra = []) {
  const result = spawnSync('jdupes', ['-r', '-q', ...extra, ...roots], { maxBuffer: 1 << 30 });
  if (result.status !== 0 && result.status !== 1) throw new Error(`jdupes failed: ${result.stderr}`);
  return parseFdupes(result.stdout.toString('latin1')).map((g) => g.map((p) => Buffer.from(p, 'latin1')));
}

/** Canonical groups of fdupes-style output (nodupe's `--format fdupes`, jdupes's), read as raw bytes. */
export function groupsOfFdupes(stdout) {
  return canonical(parseFdupes(stdout.toString('latin1')).map((g) => g.map((p) => Buffer.from(p, 'latin1'))));
}

/** Canonical groups of nodupe's `--format json` report, from the device and inode of each physical file. */
export function groupsOfJsonReport(report) {
  return groupsOf(report.groups.map((g) => [...new Set(g.files.map((f) => `${f.dev}:${f.ino}`))].sort()));
}

/** Whether two canonical group lists are the same. */
export function sameGroups(a, b) {
  return a.length === b.length && a.every((g, i) => g === b[i]);
}

/** Groups from fdupes-style output: paths one a line, groups separated by blank lines. */
export function parseFdupes(text) {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== ''))
    .filter((g) => g.length > 0);
}

/** The plain reference: every non-empty regular file (links not followed) hashed whole, grouped by hash. */
export function reference(root) {
  const byHash = new Map();
  const seen = new Set();
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
      const path = Buffer.concat([Buffer.from(dir), Buffer.from('/'), entry.name]);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        const st = lstatSync(path, { bigint: true });
        const id = `${st.dev}:${st.ino}`;
        if (st.size === 0n || seen.has(id)) continue;
        seen.add(id);
        const hash = `${st.size}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
        byHash.set(hash, [...(byHash.get(hash) ?? []), id]);
      }
    }
  };
  visit(root);
  return groupsOf([...byHash.values()].map((g) => g.sort()));
}

export { join };
