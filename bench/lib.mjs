// Helpers shared by the benchmarks: figures are printed as JSON lines, one object per line.
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupsOfFdupes, sameGroups } from './oracle.mjs';

/** The nodupe under test: this checkout's bin/nodupe.js (build it first), or NODUPE_BIN (another build). */
export const NODUPE_BIN =
  process.env.NODUPE_BIN ?? fileURLToPath(new URL('../bin/nodupe.js', import.meta.url));

/** @param {Record<string, unknown>} record */
export function emit(record) {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** @param {readonly number[]} values */
export function median(values) {
  return percentile(values, 50);
}

/** Nearest-rank percentile of `values` (p in 0..100). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** CPU time (user + system, all threads of this process) in milliseconds since `since`. */
export function cpuMs(since) {
  const usage = process.cpuUsage(since);
  return (usage.user + usage.system) / 1000;
}

export function round(value, digits = 3) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Real-time sleep: benchmarks measure real behaviour; tests never call this. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Timeout handles alive in this process right now. */
export function pendingTimeouts() {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** Where generated trees and catalogs go: $NODUPE_BENCH_DIR, or nodupe-bench/ in the system temp folder. */
export function benchDir() {
  const dir = process.env.NODUPE_BENCH_DIR ?? join(tmpdir(), 'nodupe-bench');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A catalog path in `dir` with nothing at it (nor its -wal, -shm and -lock files). */
export function freshCatalog(dir, label) {
  const path = join(dir, `catalog-${label.replace(/[^\w.-]+/g, '_')}.db`);
  removeCatalog(path);
  return path;
}

export function removeCatalog(path) {
  for (const suffix of ['', '-wal', '-shm', '-lock']) rmSync(path + suffix, { force: true });
}

/**
 * Runs a whole process under /usr/bin/time: wall seconds, peak RSS in MB, stdout and stderr (time's own line
 * removed). `ok` lists the exit statuses that are not failures; `stdout: 'ignore'` sends it to /dev/null.
 */
export function timed(command, args, { ok = [0], stdout = 'pipe' } = {}) {
  const start = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    maxBuffer: 2 ** 31,
    stdio: ['ignore', stdout, 'pipe'],
  });
  const wallS = (performance.now() - start) / 1000;
  const lines = result.stderr.toString().trimEnd().split('\n');
  const rssKb = Number(lines.pop());
  if (result.error) throw result.error;
  if (!ok.includes(result.status)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${lines.join('\n')}`);
  }
  return { wallS, rssMb: rssKb / 1024, stdout: result.stdout, stderr: lines.join('\n') };
}

/** Runs `run`; a failure becomes `{ error }` (its first lines), so one failing run does not hide the others' figures. */
export function orFailure(run) {
  try {
    return run();
  } catch (error) {
    return { error: error.message.split('\n').slice(0, 2).join(' ') };
  }
}

/** `nodupe dupes` of `tree` into `catalog`, quiet, in `format`, plus `extra` flags. */
export function nodupeDupes(catalog, tree, format, extra = []) {
  return timed(process.execPath, [
    NODUPE_BIN,
    'dupes',
    '--catalog',
    catalog,
    '--format',
    format,
    '-q',
    ...extra,
    tree,
  ]);
}

/** `jdupes -r -q tree` (status 1 is how it says "nothing found" in some versions). */
export function jdupesRun(tree) {
  return timed('jdupes', ['-r', '-q', tree], { ok: [0, 1] });
}

/** The stat-walk floor: what listing the tree with size, mtime and inode costs, output to /dev/null. */
export function statWalk(tree) {
  return timed('find', [tree, '-printf', '%s %T@ %i\n'], { ok: [0, 1], stdout: 'ignore' });
}

/** Empties the page cache (root only): `sync; echo 3 > /proc/sys/vm/drop_caches`. */
export function dropCaches() {
  spawnSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

/** The order of `peers` in round `r`: rotated, so no peer always runs first (after another's cache effects). */
export function rotated(peers, r) {
  const k = r % peers.length;
  return [...peers.slice(k), ...peers.slice(0, k)];
}

/**
 * The `--profile` table on stderr, read generically: each row's first word is the phase, then its numbers in
 * order (with the unit after each, when there is one). The header and raw lines are kept too. `files` gives
 * the cost per file of every phase measured in ms.
 * @param {string} stderr
 * @param {number} files
 * @returns {{ header: string[] | undefined, raw: string[],
 *   phases: { phase: string, numbers: number[], units: string[], usPerFile?: number }[] }}
 */
export function parseProfile(stderr, files) {
  const raw = stderr.split('\n').filter((line) => line.trim() !== '');
  const headerAt = raw.findIndex((line) => /^\s*phase\b/.test(line));
  if (headerAt < 0) return { header: undefined, phases: [], raw };
  const phases = raw.slice(headerAt + 1).map((line) => {
    const [phase = '', ...rest] = line.trim().split(/\s+/);
    const values = [...rest.join(' ').matchAll(/(-?\d[\d,]*(?:\.\d+)?)\s*([^\s\d(),]*)/g)].map((m) => ({
      value: Number(m[1].replaceAll(',', '')),
      unit: m[2] || undefined,
    }));
    const ms = values.find((v) => v.unit === 'ms')?.value;
    return {
      phase,
      numbers: values.map((v) => v.value),
      units: values.map((v) => v.unit ?? ''),
      ...(ms !== undefined && files > 0 ? { usPerFile: round((ms * 1000) / files, 2) } : {}),
    };
  });
  return { header: raw[headerAt].trim().split(/\s+/), phases, raw };
}

export const medianS = (runs) => round(median(runs.map((r) => r.wallS)));
export const runsS = (runs) => runs.map((r) => round(r.wallS));
export const maxRssMb = (runs) => round(Math.max(...runs.map((r) => r.rssMb)), 1);
/** What a run leaves for the figures (not its output, which can be large). */
export const figures = ({ wallS, rssMb }) => ({ wallS, rssMb });

/**
 * `rounds` first scans of `tree` into fresh catalogs against `jdupes -r -q` (and the stat-walk floor, when
 * `floor`), the peers' order rotated every round, nodupe's groups checked against that round's jdupes. The page
 * cache is warmed first. Returns each peer's runs (wall seconds, peak RSS), whether each round's groups were the
 * same, nodupe's failures, jdupes's groups, and the first round's catalog (kept, for rescans).
 */
export function firstScanRounds({ work, label, tree, rounds, floor }) {
  jdupesRun(tree);
  statWalk(tree);
  const catalog0 = freshCatalog(work, `${label}-first`);
  const peers = floor ? ['nodupe', 'jdupes', 'floor'] : ['nodupe', 'jdupes'];
  const runs = Object.fromEntries(peers.map((p) => [p, []]));
  const equal = [];
  const errors = [];
  let theirs = [];
  for (let r = 0; r < rounds; r++) {
    const catalog = r === 0 ? catalog0 : freshCatalog(work, `${label}-round`);
    const got = {};
    for (const peer of rotated(peers, r)) {
      if (peer === 'nodupe') got.nodupe = orFailure(() => nodupeDupes(catalog, tree, 'fdupes'));
      else if (peer === 'jdupes') got.jdupes = jdupesRun(tree);
      else got.floor = statWalk(tree);
      if (got[peer].error) errors.push(got[peer].error);
      else runs[peer].push(figures(got[peer]));
    }
    if (r > 0) removeCatalog(catalog);
    theirs = groupsOfFdupes(got.jdupes.stdout);
    equal.push(!got.nodupe.error && sameGroups(groupsOfFdupes(got.nodupe.stdout), theirs));
  }
  return { runs, equal, errors, theirs, catalog0 };
}

/**
 * Every regular file below `dir` with one link and some content (absolute paths, with their sizes), in a stable
 * order: the files an archive or a manifest of the corpus holds, hard links and empty files left out.
 */
export function singleFiles(dir) {
  const found = [];
  const visit = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.isFile()) {
        const st = lstatSync(path);
        if (st.nlink === 1 && st.size > 0) found.push({ path, size: st.size });
      }
    }
  };
  visit(dir);
  return found;
}
