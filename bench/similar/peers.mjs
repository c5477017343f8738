// The tools of bench/similar.mjs, each run as a whole process on the corpus folder: its groups (paths), the files
// it says it examined (`seen`, when its output tells), its problems, wall seconds and peak RSS.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODUPE_BIN, freshCatalog, removeCatalog, timed } from '../lib.mjs';

const DUPEGURU_SCAN = fileURLToPath(new URL('./dupeguru_scan.py', import.meta.url));
/** findimagedupes's threshold: its default, 90 % (25 of 256 bits may differ). */
const FINDIMAGEDUPES_THRESHOLD = process.env.FINDIMAGEDUPES_THRESHOLD ?? '90%';
/** Extra flags for nodupe similar images (e.g. `--similarity high`), space-separated. */
const NODUPE_ARGS = (process.env.NODUPE_SIMILAR_ARGS ?? '').split(' ').filter(Boolean);

/** The Debian package's version, or undefined when it is not installed. */
export function debianVersion(pkg) {
  const got = spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
  return got.status === 0 && got.stdout ? got.stdout : undefined;
}

/** Whether this nodupe has `similar images` (the command may not exist yet in the build under test). */
export function nodupeHasSimilar() {
  const got = spawnSync(process.execPath, [NODUPE_BIN, 'similar', 'images', '--help'], { encoding: 'utf8' });
  return got.status === 0 && /Usage: nodupe similar/.test(got.stdout);
}

export function nodupeVersion() {
  return spawnSync(process.execPath, [NODUPE_BIN, '--version'], { encoding: 'utf8' }).stdout.trim();
}

/**
 * `nodupe similar images DIR --format json --catalog CATALOG`. Seen: group members, problems, and the unique
 * files when the report lists them (`unique`, paths); else a count of examined images, when it has one.
 */
export function runNodupe(dir, catalog) {
  const run = timed(
    process.execPath,
    [NODUPE_BIN, 'similar', 'images', dir, '--format', 'json', '--catalog', catalog, ...NODUPE_ARGS],
    { ok: [0, 1] },
  );
  const report = JSON.parse(run.stdout.toString());
  const groups = report.groups.map((g) => g.members.map((m) => m.path));
  const problems = (report.problems ?? []).map((p) => p.path);
  const unique = Array.isArray(report.unique)
    ? report.unique.map((u) => (typeof u === 'string' ? u : u.path))
    : [];
  const seen = Array.isArray(report.unique) ? [...groups.flat(), ...unique] : undefined;
  return {
    ...figuresOf(run),
    groups,
    problems,
    seen,
    detector: report.detector,
    maxDistance: report.maxDistance,
  };
}

/** A rescan into the catalog a first scan left: the same images, nothing to decode. */
export function rescanNodupe(dir, catalog) {
  return runNodupe(dir, catalog);
}

/**
 * `findimagedupes -v fp -t THRESHOLD -- DIR`: a fingerprint line ("<base64>  <path>") per file it read, then one
 * line of space-separated paths per group. Seen: the files with a fingerprint line.
 */
export function runFindimagedupes(dir) {
  const run = timed('findimagedupes', ['-v', 'fp', '-t', FINDIMAGEDUPES_THRESHOLD, '--', dir]);
  const seen = [];
  const groups = [];
  for (const line of run.stdout.toString().split('\n')) {
    const fp = /^[A-Za-z0-9+/=]{20,} {2}(\/.*)$/.exec(line);
    if (fp) seen.push(fp[1]);
    else if (line.trim()) groups.push(line.trim().split(' '));
  }
  const warnings = run.stderr.split('\n').filter((l) => l.trim()).length;
  return { ...figuresOf(run), groups, problems: [], seen, warnings, threshold: FINDIMAGEDUPES_THRESHOLD };
}

/**
 * dupeGuru's picture mode ("Contents", the app's default filter hardness 95) through bench/similar/dupeguru_scan.py,
 * with "match pictures of different dimensions" on (`scaled`) or off (the app's default). Seen: the pictures it
 * computed blocks for.
 */
export function runDupeguru(dir, work, scaled) {
  const cache = freshCatalog(work, `dupeguru-${scaled ? 'scaled' : 'default'}`);
  try {
    const run = timed('/usr/bin/python3', [DUPEGURU_SCAN, dir, cache, ...(scaled ? ['--match-scaled'] : [])]);
    const out = JSON.parse(run.stdout.toString());
    return {
      ...figuresOf(run),
      groups: out.groups,
      problems: [],
      seen: out.analyzed,
      collected: out.collected,
    };
  } finally {
    removeCatalog(cache);
  }
}

const figuresOf = ({ wallS, rssMb }) => ({ wallS, rssMb });
