// The race suite's harness, shared by bench/races.mjs (against dist/) and test/races.test.ts (against src/):
// an adversary that, right before a chosen file-ops call of apply, resume, undo or purge, changes the file, its
// keeper, a parent folder or a name nodupe is about to use, with the real fs (never through nodupe's ops). Then
// four oracles judge the trial:
//   1. content: every byte sequence in the tree before the run (and every one the adversary wrote) still exists
//      somewhere (tree, --to folder, data folder), unless the adversary itself destroyed its last copy;
//   2. wrong-file touches: decoys, victims, keepers and what the adversary put in place keep their bytes, mode,
//      mtime and inode; nothing appears outside the plan's paths and nodupe's own names;
//   3. the journal agrees with the disk after the run (verify --mode consistency, less what the adversary
//      explains), and a command that returned normally left no intent behind;
//   4. no exception escapes but the injected crash.
// Everything of trial i comes from (seed, i): `describeTrial` is pure, and its call indexes (fractions) are
// resolved against calibration runs without adversary on twin trees of the same shape, scanned together with
// the trial's tree (one scan, one catalog: a scan costs more than all the rest of a trial).
//
// The library is passed in (`lib`), so the same harness runs the built code and the sources.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * @typedef {object} RaceLib The library functions the harness drives.
 * @property {Function} applyPlan
 * @property {Function} resumeApply
 * @property {Function} undoRun
 * @property {Function} runToUndo
 * @property {Function} purgeQuarantine
 * @property {Function} scan
 * @property {Function} buildPlan
 * @property {Function} planToJson
 * @property {Function} readPlan
 * @property {object} DEFAULT_POLICY
 * @property {{ open: (path: string) => any }} SqliteCatalog
 * @property {new () => any} FakeClock
 * @property {object} nodeFileOps
 * @property {Function} verify
 */

/**
 * @typedef {object} TrialRecord One trial: what it did, and the oracles' verdicts.
 * @property {number} seed
 * @property {number} trial
 * @property {string} op
 * @property {string} run
 * @property {Record<string, unknown>} mutation
 * @property {object[]} lost content lost (not counting the unavoidable window)
 * @property {object[]} touches wrong-file touches
 * @property {object[]} journal journal inconsistencies
 * @property {object[]} exceptions exceptions that escaped, and hangs
 * @property {string[]} failures the oracles that failed: empty when the trial passed
 */

export const OPS = ['quarantine', 'delete', 'hardlink', 'symlink', 'reflink', 'move'];
export const RUN_KINDS = ['apply', 'resume', 'undo', 'purge'];
export const MUTATION_KINDS = [
  'delete',
  'move-away',
  'edit-keep-mtime',
  'truncate',
  'symlink',
  'fifo',
  'hardlink',
  'swap-parent',
  'plant',
];
/** Every (action, run) pair: purge frees quarantined copies only. */
export const COMBOS = OPS.flatMap((op) =>
  RUN_KINDS.filter((run) => run !== 'purge' || op === 'quarantine').map((run) => ({ op, run })),
);
/**
 * With `extra` (RACE_EXTRA=1): also an undo or a purge that crashes and is run again (undo of deletes and
 * reflinks does nothing, so those are left out). Other trial numbers, so opt-in: replays stay as reported.
 */
export const EXTRA_COMBOS = [
  ...COMBOS,
  ...['quarantine', 'hardlink', 'symlink', 'move'].map((op) => ({ op, run: 'undo-crash' })),
  { op: 'quarantine', run: 'purge-crash' },
];

/** The commands of a run kind, in order; the second is the one that crashes when there is a crash. */
const PHASES = {
  apply: ['apply'],
  resume: ['apply', 'resume'],
  undo: ['apply', 'undo'],
  purge: ['apply', 'purge'],
  'undo-crash': ['apply', 'undo', 'undo again'],
  'purge-crash': ['apply', 'purge', 'purge again'],
};
/** The phase the injected crash strikes in. */
const CRASH_PHASE = { resume: 'apply', 'undo-crash': 'undo', 'purge-crash': 'purge' };

/** A small, fast, seeded PRNG (mulberry32): numbers in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function trialRandom(seed, trial) {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(trial + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return mulberry32((h ^ (h >>> 16)) >>> 0);
}

/** Copies per group: a few groups of 2–3 copies. */
const SHAPES = [
  [2, 3],
  [3, 2],
  [2, 2, 3],
  [3, 3],
];
const ROLES = [
  ['file', 0.25],
  ['keeper', 0.25],
  ['fileParent', 0.1],
  ['keeperParent', 0.1],
  ['target', 0.15],
  ['temp', 0.075],
  ['aside', 0.075],
];
/** What can happen to a file, as opposed to a folder. */
const FILE_KINDS = MUTATION_KINDS.filter((kind) => kind !== 'swap-parent');
const VARIANTS = {
  symlink: ['to-victim', 'to-decoy', 'to-keeper'],
  hardlink: ['of-keeper', 'of-decoy', 'of-victim-twin'],
  plant: ['fresh-bytes', 'same-bytes', 'symlink-to-victim'],
  'swap-parent': [
    'link-to-itself',
    'link-to-other-folder',
    'link-to-victim-folder',
    'link-to-empty-folder',
    'no-link',
  ],
};

/**
 * What trial `trial` of `seed` does: pure, all from the PRNG. Call indexes are fractions here, resolved
 * against the calibrated number of calls of each phase.
 */
export function describeTrial(seed, trial, { extra = false } = {}) {
  const rnd = trialRandom(seed, trial);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const combos = extra ? EXTRA_COMBOS : COMBOS;
  const { op, run } = combos[(trial + seed) % combos.length];
  const groups = pick(SHAPES).map((copies) => ({ copies, size: 1024 + Math.floor(rnd() * 5 * 1024) }));
  const batchSize = pick([1, 2, 8]);
  let role = 'file';
  for (let r = rnd(), i = 0; i < ROLES.length; i++) {
    r -= ROLES[i][1];
    if (r < 0) {
      role = ROLES[i][0];
      break;
    }
  }
  let kind;
  if (role === 'fileParent' || role === 'keeperParent') kind = 'swap-parent';
  else if ((role === 'target' || role === 'temp' || role === 'aside') && rnd() < 0.5) kind = 'plant';
  else kind = pick(FILE_KINDS);
  const variant = VARIANTS[kind] ? pick(VARIANTS[kind]) : undefined;
  // With a crash: the adversary strikes before it now and then, mostly in the command that recovers.
  const phases = PHASES[run];
  const crashing = phases.indexOf(CRASH_PHASE[run]);
  const phase = crashing >= 0 ? phases[rnd() < 0.25 ? crashing : crashing + 1] : phases[phases.length - 1];
  return {
    seed,
    trial,
    op,
    run,
    groups,
    batchSize,
    crash: CRASH_PHASE[run] ? { at: rnd(), after: rnd() < 0.5 } : undefined,
    mutation: { phase, at: rnd(), action: rnd(), role, kind, variant, detail: Math.floor(rnd() * 2 ** 31) },
    planSeed: Math.floor(rnd() * 2 ** 31),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The trees

/**
 * Where trials build their trees: RACE_TMP, else a RAM file system when there is one (the runs fsync their
 * journal at every batch: on a disk that is most of the time), else the system's temporary folder.
 */
function workRoot() {
  if (process.env.RACE_TMP) return process.env.RACE_TMP;
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

const digestOf = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);
const BASE_TIME = 1_700_000_000;

function writeFile(path, content, time) {
  fs.mkdirSync(dirname(path), { recursive: true });
  fs.writeFileSync(path, content, { mode: 0o644 });
  fs.chmodSync(path, 0o644);
  fs.utimesSync(path, time, time);
}

/**
 * The trial's folder: its tree `t/` (groups of copies in shared folders, decoys beside them, an `away/`
 * folder), a victim folder outside the tree (a twin of each copy under its name, and a secret a symlink may
 * point at), and
 * calibration trees `cal0/`, `cal1/` of the same shape with other bytes. One scan of all the trees, one plan
 * per tree, made the way `nodupe plan` makes them (through their JSON).
 */
async function setUp(lib, spec) {
  const workdir = fs.mkdtempSync(join(workRoot(), 'nodupe-races-'));
  const rnd = mulberry32(spec.planSeed);
  const randomBytes = (size) => {
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) out[i] = Math.floor(rnd() * 256);
    return out;
  };
  const world = {
    workdir,
    victimDir: join(workdir, 'victim'),
    elsewhere: join(workdir, 'elsewhere'),
    dataDir: join(workdir, 'data'),
    moved: join(workdir, 'moved'),
    stage: join(workdir, 'stage'),
    decoys: [],
    catalogs: new Set(),
    trees: {},
  };
  let time = BASE_TIME;
  const treeNames = spec.crash ? ['cal0', 'cal1', 't'] : ['cal0', 't'];
  for (const name of treeNames) {
    const root = join(workdir, name);
    spec.groups.forEach((g, gi) => {
      const content = randomBytes(g.size);
      // Folders are shared between groups, and in odd groups two copies share one: the plan acts on
      // several files of a folder in a row, and a keeper's folder holds files acted on.
      const names = Array.from({ length: g.copies }, (_, c) =>
        c === 2 && gi % 2 === 1
          ? join(`d${(gi + 1) % 3}`, `file${gi} (1).bin`)
          : join(`d${(gi + c) % 3}`, `file${gi}.bin`),
      );
      for (const relPath of names) writeFile(join(root, relPath), content, (time += 1000));
      if (name !== 't') return;
      const decoy = join(root, `d${gi % 3}`, `notes${gi}.txt`);
      writeFile(decoy, randomBytes(200 + gi), (time += 1000));
      world.decoys.push(decoy);
      // A twin of each copy outside the tree, under its name: where a swapped folder would lead.
      for (const relPath of names)
        writeFile(join(world.victimDir, basename(relPath)), content, (time += 1000));
    });
  }
  world.tree = join(workdir, 't');
  world.away = join(world.tree, 'away');
  world.decoys.push(join(world.tree, 'decoy', 'd.bin'));
  writeFile(world.decoys[world.decoys.length - 1], randomBytes(3000), (time += 1000));
  world.victim = join(world.victimDir, 'secret.bin');
  writeFile(world.victim, randomBytes(2000), (time += 1000));
  fs.mkdirSync(world.away, { recursive: true });
  fs.mkdirSync(world.elsewhere, { recursive: true });
  fs.mkdirSync(world.stage, { recursive: true });
  if (spec.mutation.kind === 'fifo') execFileSync('mkfifo', [join(world.stage, 'fifo')]);

  world.catalogPath = join(world.dataDir, 'catalog.db');
  world.catalog = lib.SqliteCatalog.open(world.catalogPath);
  world.catalogs.add(world.catalog);
  const roots = treeNames.map((name) => join(workdir, name));
  const report = await lib.scan({ roots, catalog: world.catalog, threads: 1 });
  for (const name of treeNames) {
    const root = join(workdir, name);
    const groups = report.groups.filter((g) => String(g.files[0].paths[0]).startsWith(`${root}/`));
    const built = lib.buildPlan(
      groups,
      { ...lib.DEFAULT_POLICY },
      { op: spec.op, ...(spec.op === 'move' ? { to: world.moved } : {}) },
      {
        id: `races-${spec.seed}-${spec.trial}-${name}`,
        createdAt: '2026-01-01T00:00:00.000Z',
        catalog: { id: world.catalog.id, location: world.catalog.location },
        algorithm: report.algorithm,
      },
    );
    const text = lib.planToJson(built);
    const plan = lib.readPlan(text, 'plan.json');
    world.trees[name] = {
      name,
      root,
      plan,
      text,
      actions: plan.groups.flatMap((g) => g.actions),
      actionPaths: new Set(plan.groups.flatMap((g) => g.actions.map((a) => String(a.path)))),
      groupBytes: plan.groups.map((g) => fs.readFileSync(String(g.keepers[0].path))),
    };
  }
  return world;
}

// ---------------------------------------------------------------------------------------------------------
// Looking at the disk

/** Every entry below `root`, without following symlinks: path → what it is. */
function walk(root, out = new Map(), skip = () => false) {
  let names;
  try {
    names = fs.readdirSync(root);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(root, name);
    if (skip(path)) continue;
    const d = describe(path);
    if (!d) continue;
    out.set(path, d);
    if (d.type === 'dir') walk(path, out, skip);
  }
  return out;
}

/** What stands at a path (no symlink followed), with a digest of a regular file's bytes; undefined when nothing. */
function describe(path) {
  let st;
  try {
    st = fs.lstatSync(path);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return { type: 'dir', ino: st.ino };
  if (st.isSymbolicLink()) return { type: 'symlink', ino: st.ino, link: fs.readlinkSync(path) };
  if (!st.isFile()) return { type: 'other', ino: st.ino };
  let digest;
  try {
    digest = digestOf(fs.readFileSync(path));
  } catch {
    digest = 'unreadable';
  }
  return { type: 'file', ino: st.ino, digest, mode: st.mode & 0o7777, mtime: Math.round(st.mtimeMs) };
}

const skipCatalogFiles = (path) => /\/catalog\.db[^/]*$/.test(path);

/** The regular files of the places content may live in: the tree, the --to folder, nodupe's data folder. */
function contentHolders(world) {
  const holders = [];
  for (const root of [world.tree, world.moved, world.dataDir]) {
    for (const [path, d] of walk(root, new Map(), skipCatalogFiles)) {
      if (d.type === 'file') holders.push({ path, ino: d.ino, digest: d.digest });
    }
  }
  return holders;
}

// ---------------------------------------------------------------------------------------------------------
// The adversary

/** Names nodupe uses for an action, from the journal once its intent is written, else as the code makes them. */
function namesOf(world, tree, spec, seq) {
  const action = tree.actions[seq];
  const path = String(action.path);
  let runId = 1;
  let target;
  try {
    const journal = world.catalog.journal();
    const runs = journal.runs();
    const mine = runs.filter((r) => r.planId === tree.plan.id).pop();
    runId = mine ? mine.id : Math.max(0, ...runs.map((r) => r.id)) + 1;
    if (mine) {
      const entry = journal.entries(mine.id).find((e) => String(e.path) === path);
      if (entry?.target !== undefined) target = String(entry.target);
    }
  } catch {
    // the journal's shape changed: the names as the code makes them
  }
  const tag = `${world.catalog.id.slice(0, 8)}-${runId}-${seq}`;
  const temp = join(dirname(path), `.nodupe-${tag}.tmp`);
  const aside = join(dirname(path), `.nodupe-${tag}.aside`);
  if (target === undefined) {
    if (spec.op === 'quarantine')
      target = join(world.dataDir, 'quarantine', world.catalog.id, `run-${runId}`, path);
    else if (spec.op === 'move') target = join(world.moved, path);
    else if (spec.op === 'delete') target = aside;
    else target = temp;
  }
  return { path, keeper: String(action.keeper), target, temp, aside };
}

/**
 * Carries out the trial's mutation now, with the real fs, and records what it changed: the contents it
 * destroyed (it held their last copy at this moment), the contents it wrote, and what the wrong-file oracle
 * must now expect where.
 */
function mutate(world, tree, spec, adv, record) {
  const m = spec.mutation;
  const rnd = mulberry32(m.detail);
  const seq = Math.min(tree.actions.length - 1, Math.floor(m.action * tree.actions.length));
  const names = namesOf(world, tree, spec, seq);
  const role = m.role;
  const at = {
    file: names.path,
    keeper: names.keeper,
    fileParent: dirname(names.path),
    keeperParent: dirname(names.keeper),
    target: names.target,
    temp: names.temp,
    aside: names.aside,
  }[role];
  record.path = at;
  record.action = { seq, path: names.path, keeper: names.keeper };
  const holders = contentHolders(world);
  const now = describe(at);
  record.found = now ? now.type : 'nothing';
  // nodupe's own names (temporary, set aside): what the adversary plants there is not the user's.
  const nodupeName =
    role === 'temp' ||
    role === 'aside' ||
    (role === 'target' && spec.op !== 'quarantine' && spec.op !== 'move');
  const lastCopy = (digest, excluded) => !holders.some((h) => h.digest === digest && !excluded(h));
  const forget = (path) => {
    for (const key of [...adv.expected.keys()])
      if (key === path || key.startsWith(`${path}/`)) adv.expected.delete(key);
  };
  /** The path's entry goes: its content was destroyed by the adversary if no other path holds it. */
  const unlinked = (path, d) => {
    adv.touched.add(path);
    if (d?.type === 'file' && lastCopy(d.digest, (h) => h.path === path)) adv.destroyed.add(d.digest);
    forget(path);
  };
  const remap = (from, to) => {
    for (const [key, d] of [...adv.expected]) {
      if (key === from || key.startsWith(`${from}/`)) {
        adv.expected.delete(key);
        adv.expected.set(to + key.slice(from.length), d);
      }
    }
  };
  const protect = (path) => {
    const d = describe(path);
    if (d) adv.expected.set(path, d);
  };
  /** Renames `staged` over `at` (atomically), or plants it where nothing is. */
  const replaceWith = (staged, protectIt) => {
    if (now?.type === 'dir') {
      record.noop = 'a folder stands there';
      fs.rmSync(staged, { force: true });
      return;
    }
    fs.mkdirSync(dirname(at), { recursive: true });
    unlinked(at, now);
    fs.renameSync(staged, at);
    adv.created.add(at);
    if (protectIt && !nodupeName) protect(at);
  };
  const stage = (name) => join(world.stage, name);

  /** The entry at `at` renamed to `dest`, and what was expected under it with it. */
  const takeAway = (dest) => {
    fs.renameSync(at, dest);
    adv.touched.add(at);
    adv.created.add(dest);
    remap(at, dest);
    return dest;
  };
  switch (m.kind) {
    case 'delete':
      if (!now || now.type === 'dir') {
        record.noop = now ? 'a folder stands there' : 'nothing there';
        return;
      }
      fs.unlinkSync(at);
      unlinked(at, now);
      return;
    case 'move-away': {
      if (!now) {
        record.noop = 'nothing there';
        return;
      }
      const dest = takeAway(join(world.away, 'moved-away'));
      // What the adversary took away is the user's now, wherever it was: nodupe must leave it be.
      if (!adv.expected.has(dest) && !nodupeName) protect(dest);
      record.to = dest;
      return;
    }
    case 'edit-keep-mtime':
    case 'truncate': {
      if (now?.type !== 'file') {
        record.noop = now ? `a ${now.type} stands there` : 'nothing there';
        return;
      }
      const fd = fs.openSync(at, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      try {
        const st = fs.fstatSync(fd);
        if (m.kind === 'truncate') fs.ftruncateSync(fd, Math.floor(rnd() * st.size));
        else {
          const offset = Math.floor(rnd() * st.size);
          const old = Buffer.alloc(1);
          fs.readSync(fd, old, 0, 1, offset);
          fs.writeSync(fd, Buffer.of(old[0] ^ 0x5a), 0, 1, offset);
          // Same size, other bytes, the mtime put back: only the bytes (and the ctime) tell.
          fs.futimesSync(fd, st.atimeMs / 1000, st.mtimeMs / 1000);
        }
      } finally {
        fs.closeSync(fd);
      }
      adv.touched.add(at);
      if (lastCopy(now.digest, (h) => h.ino === now.ino)) adv.destroyed.add(now.digest);
      const after = describe(at);
      adv.written.add(after.digest);
      record.wrote = after.digest;
      for (const [key, d] of adv.expected) {
        if (d.type === 'file' && d.ino === now.ino)
          adv.expected.set(key, { ...d, digest: after.digest, mtime: after.mtime });
      }
      return;
    }
    case 'symlink': {
      const to =
        m.variant === 'to-victim' ? world.victim : m.variant === 'to-decoy' ? world.decoys[0] : names.keeper;
      fs.symlinkSync(to, stage('link'));
      record.to = to;
      // A symlink to the keeper at the file's path is what nodupe itself makes: nothing to protect.
      replaceWith(stage('link'), !(role === 'file' && m.variant === 'to-keeper'));
      return;
    }
    case 'fifo':
      replaceWith(stage('fifo'), true);
      return;
    case 'hardlink': {
      const of =
        m.variant === 'of-keeper'
          ? names.keeper
          : m.variant === 'of-decoy'
            ? world.decoys[0]
            : join(world.victimDir, basename(names.path));
      record.to = of;
      try {
        fs.linkSync(of, stage('hardlink'));
      } catch (error) {
        record.noop = `cannot link ${of}: ${error.code}`;
        return;
      }
      if (describe(at)?.ino === describe(of)?.ino) {
        fs.unlinkSync(stage('hardlink'));
        record.noop = 'already that inode';
        return;
      }
      replaceWith(stage('hardlink'), !(role === 'file' && m.variant === 'of-keeper'));
      return;
    }
    case 'plant': {
      const group = tree.plan.groups.findIndex((g) => g.actions.some((a) => String(a.path) === names.path));
      if (m.variant === 'symlink-to-victim') fs.symlinkSync(world.victim, stage('plant'));
      else {
        const bytes =
          m.variant === 'same-bytes'
            ? tree.groupBytes[group]
            : Buffer.from(
                Array.from({ length: tree.plan.groups[group].size }, () => Math.floor(rnd() * 256)),
              );
        writeFile(stage('plant'), bytes, BASE_TIME + 7);
        if (!nodupeName) adv.written.add(digestOf(bytes));
      }
      replaceWith(stage('plant'), true);
      return;
    }
    case 'swap-parent': {
      if (now?.type !== 'dir') {
        record.noop = now ? `a ${now.type} stands there` : 'nothing there';
        return;
      }
      const dest = takeAway(join(world.away, 'folder'));
      adv.swapped.push({ from: at, to: dest });
      if (m.variant === 'no-link') {
        record.to = dest;
        return;
      }
      const other = tree.plan.groups
        .flatMap((g) => [...g.keepers.map((k) => String(k.path)), ...g.actions.map((a) => String(a.path))])
        .map((p) => dirname(p))
        .find((d) => d !== at && !d.startsWith(`${at}/`) && fs.existsSync(d));
      const link =
        m.variant === 'link-to-itself'
          ? dest
          : m.variant === 'link-to-victim-folder'
            ? world.victimDir
            : m.variant === 'link-to-empty-folder'
              ? world.elsewhere
              : (other ?? dest);
      fs.symlinkSync(link, at);
      adv.created.add(at);
      protect(at);
      record.to = link;
      return;
    }
    default:
      throw new Error(`unknown mutation ${m.kind}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The watchdog

/** A file-ops call that takes longer than this is blocked (on a FIFO the adversary put in place). */
const BLOCKED_MS = 2000;

// A sync call blocked opening a FIFO (nodupe's copyFile from a keeper, or to a temporary name, that became
// one) would stop the whole process. This thread, which the block does not stop, then opens every FIFO of the
// trials under way from the other end, so that the blocked open returns; the trial reports the hang.
const WATCHDOG = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const beat = workerData.beat;
const dirs = new Set();
let held = [];
parentPort.on('message', (m) => (m.add ? dirs.add(m.add) : dirs.delete(m.remove)));
// A reader blocked in open() goes on once a writer has come and gone (and reads the end); a writer blocked in
// open() goes on once a reader is there (held until the next tick, so that its small write fits the pipe).
const release = (dir) => {
  let names = [];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const name of names) {
    const p = path.join(dir, name);
    let st;
    try { st = fs.lstatSync(p); } catch { continue; }
    if (st.isDirectory()) release(p);
    else if (st.isFIFO()) {
      try { fs.closeSync(fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); } catch {}
      try { held.push(fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)); } catch {}
    }
  }
};
let last = -1;
let since = Date.now();
setInterval(() => {
  for (const fd of held) { try { fs.closeSync(fd); } catch {} }
  held = [];
  const now = Atomics.load(beat, 0);
  if (now !== last || Atomics.load(beat, 1) === 0) { last = now; since = Date.now(); return; }
  if (Date.now() - since < ${BLOCKED_MS}) return;
  for (const dir of dirs) release(dir);
  since = Date.now();
}, 250).unref();
`;

let watchdog;

function theWatchdog() {
  if (!watchdog) {
    const beat = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(WATCHDOG, { eval: true, workerData: { beat } });
    worker.unref();
    watchdog = {
      beat,
      watch: (dir) => worker.postMessage({ add: dir }),
      unwatch: (dir) => worker.postMessage({ remove: dir }),
    };
  }
  return watchdog;
}

// ---------------------------------------------------------------------------------------------------------
// The instrumented file operations and catalog

class InjectedCrash extends Error {
  constructor(at) {
    super(`injected crash at file-ops call ${at}`);
    this.name = 'InjectedCrash';
  }
}

/** The file operations nodupe is given: every call of every method FileOps has (now or later) goes by `state`. */
function instrument(fileOps, state) {
  const cache = new Map();
  return new Proxy(fileOps, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!cache.has(prop))
        cache.set(prop, (...args) => state.call(String(prop), args, () => value.apply(target, args)));
      return cache.get(prop);
    },
  });
}

/** The catalog (and its journal), which a dead process can no longer write: after the crash every call fails. */
function crashable(target, state) {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      return (...args) => {
        if (state.crashed) throw new InjectedCrash('(catalog, after the crash)');
        const result = value.apply(t, args);
        return prop === 'journal' ? crashable(result, state) : result;
      };
    },
  });
}

/** A path or value for the record, relative to the trial's folder; data buffers (read's) summed up. */
function shown(world, value) {
  if (Buffer.isBuffer(value) && (value.length > 4096 || value.includes(0)))
    return `<buffer of ${value.length}>`;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    const s = String(value);
    return s.startsWith(world.workdir) ? relative(world.workdir, s) || '.' : s;
  }
  return typeof value === 'bigint' ? String(value) : value;
}

/**
 * Counts every file-ops call per phase, logs it, lets the adversary act right before the chosen call, and
 * crashes at the chosen one: from then on every call fails, and the files it had open are closed, as the
 * kernel does for a dead process.
 */
function callState(world, onCall, plan) {
  return {
    phase: undefined,
    calls: 0,
    crashed: false,
    log: [],
    counts: {},
    open: new Set(),
    blocked: [],
    die() {
      this.crashed = true;
      for (const fd of this.open) {
        try {
          fs.closeSync(fd);
        } catch {
          // closed already
        }
      }
      this.open.clear();
    },
    call(name, args, run) {
      const n = ++this.calls;
      this.counts[this.phase] = n;
      if (this.crashed) throw new InjectedCrash(n);
      const entry = { phase: this.phase, n, name, args: args.slice(0, 2).map((a) => shown(world, a)) };
      if (plan.logCalls) this.log.push(entry);
      if (process.env.RACE_TRACE === 'calls')
        process.stderr.write(`  ${entry.phase} ${n} ${name}(${entry.args.join(', ')})\n`);
      onCall?.(entry);
      const crash = plan.crash;
      const crashHere = crash && crash.phase === this.phase && crash.call === n;
      if (crashHere && !crash.after) {
        this.die();
        crash.happened = { name, args: entry.args, before: true };
        throw new InjectedCrash(n);
      }
      const { beat } = theWatchdog();
      Atomics.add(beat, 0, 1);
      Atomics.store(beat, 1, 1);
      const started = performance.now();
      try {
        const result = run();
        if (name.startsWith('open') && typeof result === 'number') this.open.add(result);
        if (name === 'close') this.open.delete(args[0]);
        return result;
      } catch (error) {
        entry.error = error.code ?? error.name;
        throw error;
      } finally {
        Atomics.add(beat, 0, 1);
        Atomics.store(beat, 1, 0);
        const took = performance.now() - started;
        if (took > BLOCKED_MS) this.blocked.push({ ...entry, seconds: Math.round(took / 100) / 10 });
        plan.afterCall?.(entry);
        if (crashHere && crash.after) {
          this.die();
          crash.happened = { name, args: entry.args, before: false };
          // eslint-disable-next-line no-unsafe-finally
          throw new InjectedCrash(n);
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// One trial

/**
 * Runs the trial's commands on one tree: apply (with the crash, if any), then resume, undo or purge. The
 * adversary, if given, acts right before the chosen call. Resolves to the calls per phase, the reports, the
 * exceptions that escaped (the injected crash aside), and the call log.
 */
async function scenario(lib, world, tree, spec, plan) {
  const onCall = (entry) => {
    const m = plan.mutation;
    if (m && m.phase === entry.phase && m.call === entry.n) {
      m.happened = { name: entry.name, args: entry.args };
      mutate(world, tree, spec, plan.adversary, m.record);
    }
  };
  const state = callState(world, onCall, plan);
  const ops = instrument(lib.nodeFileOps, state);
  const clock = new lib.FakeClock();
  const reports = {};
  const exceptions = [];
  const options = () => ({ catalog: crashable(world.catalog, state), clock, dataDir: world.dataDir, ops });
  const attempt = async (phase, fn) => {
    state.phase = phase;
    state.calls = 0;
    try {
      reports[phase] = summarizeReport(await fn(), world.workdir);
    } catch (error) {
      if (state.crashed) reports[phase] = { crashed: true };
      else {
        exceptions.push({
          phase,
          error: `${error.name}: ${String(error.message).replaceAll(world.workdir, '…')}`,
          code: error.code,
          stack: error.stack
            ?.split('\n')
            .slice(1, 4)
            .map((line) => line.trim()),
        });
      }
    }
  };
  let runId;
  const commands = {
    apply: async () => {
      const report = await lib.applyPlan(tree.plan, tree.text, { ...options(), batchSize: spec.batchSize });
      runId = report.runId;
      return report;
    },
    resume: () => lib.resumeApply(undefined, options()),
    undo: () => lib.undoRun(lib.runToUndo(world.catalog, runId), options()),
    purge: () => lib.purgeQuarantine(crashable(world.catalog, state), { olderThanMs: 0, clock, ops }),
  };
  for (const phase of PHASES[plan.kind ?? spec.run]) {
    const runs = world.catalog
      .journal()
      .runs()
      .filter((r) => r.planId === tree.plan.id);
    runId ??= runs[runs.length - 1]?.id;
    // A resume needs an interrupted run (a crash before the run started leaves none), an undo a run.
    if (phase === 'resume' && !runs.some((r) => r.state === 'running')) continue;
    if (phase.startsWith('undo') && runId === undefined) continue;
    await attempt(phase, commands[phase.split(' ')[0]]);
    if (state.crashed) {
      // The process died: a new one opens the catalog.
      world.catalog.close();
      world.catalogs.delete(world.catalog);
      world.catalog = lib.SqliteCatalog.open(world.catalogPath);
      world.catalogs.add(world.catalog);
      state.crashed = false;
    }
  }
  for (const b of state.blocked) {
    exceptions.push({
      phase: b.phase,
      error: `blocked: ${b.name}(${b.args.join(', ')}) did not return for ${b.seconds} s (blocked on a FIFO; the harness let it go)`,
      code: 'HANG',
    });
  }
  return { counts: state.counts, reports, exceptions, log: state.log, runId };
}

/**
 * Runs trial `trial` of `seed` and judges it: resolves to its record, whose `failures` is empty when the
 * oracles hold. A trial that lost content is run again, watching after every call for the one that took the
 * last copy away.
 *
 * @param {RaceLib} lib
 * @param {number} seed
 * @param {number} trial
 * @param {{ diagnose?: boolean, keep?: boolean, extra?: boolean }} [options]
 * @returns {Promise<TrialRecord>}
 */
export async function runTrial(lib, seed, trial, options = {}) {
  await warmUp(lib);
  const spec = describeTrial(seed, trial, { extra: options.extra ?? false });
  const result = await play(lib, spec, options);
  if (process.env.RACE_TRACE) process.stderr.write(`trial ${spec.trial} (seed ${spec.seed}) ended\n`);
  if (result.lost.length > 0 && !options.diagnose) {
    const again = await play(lib, spec, { diagnose: true });
    const culprits = new Map(again.lost.map((l) => [l.digest, l.lastCopyRemovedBy]));
    // (Seen in the replay: the temporary names there carry another catalog id.)
    for (const l of result.lost) l.lastCopyRemovedBy = culprits.get(l.digest);
  }
  return finish(spec, result);
}

const warmed = new WeakMap();

/**
 * Runs a few throwaway trials first: the library caches some answers on first use (whether /proc works), so the
 * first run in a process makes a call more than the next; after this, trial i makes the same calls whether it
 * runs alone or after others.
 */
function warmUp(lib) {
  if (!warmed.has(lib)) {
    const kinds = [
      { op: 'quarantine', run: 'purge' },
      { op: 'hardlink', run: 'undo' },
      { op: 'symlink', run: 'resume' },
    ];
    warmed.set(
      lib,
      (async () => {
        for (const combo of kinds) {
          const spec = {
            ...describeTrial(
              0,
              COMBOS.findIndex((c) => c.op === combo.op && c.run === combo.run),
            ),
          };
          await play(lib, spec);
        }
      })(),
    );
  }
  return warmed.get(lib);
}

async function play(lib, spec, { diagnose = false, keep = false } = {}) {
  if (process.env.RACE_TRACE)
    process.stderr.write(`trial ${spec.trial} (seed ${spec.seed})${diagnose ? ', diagnosing' : ''}\n`);
  const world = await setUp(lib, spec);
  theWatchdog().watch(world.workdir);
  try {
    // Calibration: the same commands on a twin tree, without adversary, say how many calls each phase makes.
    let crash;
    let calibration;
    if (spec.crash) {
      const phase = CRASH_PHASE[spec.run];
      const plain = await scenario(lib, world, world.trees.cal0, spec, {});
      crash = {
        phase,
        call: 1 + Math.floor(spec.crash.at * (plain.counts[phase] ?? 0)),
        after: spec.crash.after,
      };
      calibration = await scenario(lib, world, world.trees.cal1, spec, { crash: { ...crash } });
    } else {
      calibration = await scenario(lib, world, world.trees.cal0, spec, {});
    }
    const m = spec.mutation;
    const phase = (calibration.counts[m.phase] ?? 0) > 0 ? m.phase : 'apply';
    const phaseCalls = phase === crash?.phase ? crash.call : (calibration.counts[phase] ?? 0);
    const mutation =
      phaseCalls > 0
        ? { phase, call: 1 + Math.floor(m.at * phaseCalls), record: {} }
        : { phase, call: 0, record: { noop: `the ${phase} made no file-ops call` } };

    const tree = world.trees.t;
    const before = new Map([...walk(tree.root), ...walk(world.victimDir), ...walk(world.elsewhere)]);
    const adversary = {
      // What must stay as it is: everything but the plan's action paths (the keepers included).
      expected: new Map([...before].filter(([path]) => !tree.actionPaths.has(path))),
      destroyed: new Set(),
      written: new Set(),
      touched: new Set(),
      created: new Set(),
      swapped: [],
    };
    const required = new Map();
    for (const [path, d] of before) {
      if (d.type === 'file' && path.startsWith(`${tree.root}/`) && !required.has(d.digest))
        required.set(d.digest, path);
    }
    // Diagnosis: after every call, which contents still exist; the call after which each went for good.
    const goneAfter = new Map();
    const afterCall = diagnose
      ? (entry) => {
          const have = new Set(contentHolders(world).map((h) => h.digest));
          for (const digest of [...required.keys(), ...adversary.written]) {
            if (have.has(digest)) goneAfter.delete(digest);
            else if (!goneAfter.has(digest)) goneAfter.set(digest, entry);
          }
        }
      : undefined;
    const run = await scenario(lib, world, tree, spec, {
      crash: crash && { ...crash },
      mutation,
      adversary,
      logCalls: true,
      afterCall,
    });
    const exceptions = [
      ...calibration.exceptions.map((e) => ({ ...e, phase: `calibration ${e.phase}` })),
      ...run.exceptions,
    ];

    // 1. Content.
    const have = new Set(contentHolders(world).map((h) => h.digest));
    const lost = [];
    for (const [digest, path] of required) {
      if (!have.has(digest) && !adversary.destroyed.has(digest))
        lost.push({ digest, origin: 'tree', was: shown(world, path) });
    }
    for (const digest of adversary.written) {
      if (!have.has(digest) && !adversary.destroyed.has(digest))
        lost.push({ digest, origin: 'written by the adversary' });
    }
    for (const l of lost) if (goneAfter.has(l.digest)) l.lastCopyRemovedBy = goneAfter.get(l.digest);

    // 2. Wrong-file touches. 3. The journal.
    const touches = wrongFileTouches(world, tree, adversary);
    const journal = await journalProblems(lib, world, tree, adversary, run.reports);
    const leftovers = [...walk(tree.root)]
      .filter(([path]) => basename(path).startsWith('.nodupe-') && !adversary.created.has(path))
      .map(([path]) => shown(world, path));
    const around = mutation.call
      ? run.log
          .filter((e) => e.phase === mutation.phase && Math.abs(e.n - mutation.call) <= 3)
          .map((e) => `${e.n} ${e.name}(${e.args.join(', ')})${e.error ? ` → ${e.error}` : ''}`)
      : [];
    return {
      workdir: world.workdir,
      crash,
      mutation,
      reports: run.reports,
      lost,
      touches,
      journal,
      exceptions,
      leftovers,
      around,
      kept: keep,
    };
  } finally {
    for (const c of world.catalogs) {
      try {
        c.close();
      } catch {
        // closed already
      }
    }
    theWatchdog().unwatch(world.workdir);
    if (!keep) fs.rmSync(world.workdir, { recursive: true, force: true });
  }
}

/** The trial's record, with its failures by oracle. */
function finish(spec, r) {
  const mut = r.mutation;
  const happened = Boolean(mut.happened);
  // The adversary acted right before nodupe's unlink of one of its own names (a set-aside or quarantined copy,
  // checked before): that removal took effect, logically, at the last check, before the mutation; no check can
  // close this window. (An unlink of a user-visible name is never excused: it can always be renamed aside first.)
  const windowed = (l) =>
    happened &&
    l.lastCopyRemovedBy?.phase === mut.phase &&
    l.lastCopyRemovedBy.n === mut.call &&
    l.lastCopyRemovedBy.name === 'unlink' &&
    (/(^|\/)\.nodupe-[^/]*$/.test(String(l.lastCopyRemovedBy.args[0])) ||
      String(l.lastCopyRemovedBy.args[0]).startsWith('data/'));
  const lost = r.lost.filter((l) => !windowed(l));
  const failures = [];
  if (lost.length) failures.push('content-lost');
  if (r.touches.length) failures.push('wrong-file-touch');
  if (r.journal.length) failures.push('journal-inconsistent');
  if (r.exceptions.length) failures.push('exception');
  return {
    seed: spec.seed,
    trial: spec.trial,
    op: spec.op,
    run: spec.run,
    batchSize: spec.batchSize,
    groups: spec.groups.map((g) => g.copies),
    crash: r.crash ? { ...r.crash } : undefined,
    mutation: {
      kind: spec.mutation.kind,
      variant: spec.mutation.variant,
      role: spec.mutation.role,
      phase: mut.phase,
      call: mut.call,
      callName: mut.happened?.name,
      callArgs: mut.happened?.args,
      happened,
      ...relative2(r.workdir, mut.record),
    },
    reports: r.reports,
    lost,
    inWindow: r.lost.filter(windowed),
    touches: r.touches,
    journal: r.journal,
    exceptions: r.exceptions,
    leftovers: r.leftovers,
    failures,
    ...(failures.length ? { callsAroundMutation: r.around } : {}),
    ...(r.kept ? { workdir: r.workdir } : {}),
  };
}

/** The record's paths relative to the trial's folder. */
function relative2(workdir, record) {
  const out = {};
  for (const [k, v] of Object.entries(record ?? {})) {
    out[k] =
      typeof v === 'string' && v.startsWith(workdir)
        ? relative(workdir, v)
        : v && typeof v === 'object' && !Array.isArray(v)
          ? relative2(workdir, v)
          : v;
  }
  return out;
}

function summarizeReport(report, workdir) {
  if (!report || typeof report !== 'object') return report;
  const out = {};
  for (const key of [
    'done',
    'skipped',
    'alreadySettled',
    'undone',
    'already',
    'complete',
    'files',
    'stopped',
  ]) {
    if (key in report) out[key] = report[key];
  }
  const reasons = [
    ...(report.skips ?? []).map((s) => s.reason),
    ...(report.problems ?? []).map((p) => p.reason),
  ];
  if (reasons.length) out.reasons = reasons.map((r) => String(r).replaceAll(`${workdir}/`, ''));
  return out;
}

/** Oracle 2: what must be as it was is, and nothing appeared where nodupe has no business. */
function wrongFileTouches(world, tree, adv) {
  const touches = [];
  const where = (path) => shown(world, path);
  for (const [path, want] of adv.expected) {
    const got = describe(path);
    if (!got) touches.push({ path: where(path), problem: `missing (was a ${want.type})` });
    else if (got.type !== want.type)
      touches.push({ path: where(path), problem: `is a ${got.type}, was a ${want.type}` });
    else if (want.type === 'symlink' && String(got.link) !== String(want.link)) {
      touches.push({ path: where(path), problem: 'symlink retargeted' });
    } else if (want.type === 'file' || want.type === 'other') {
      const diffs = [];
      if (got.ino !== want.ino) diffs.push('another inode');
      if (got.digest !== want.digest) diffs.push('bytes');
      if (got.mode !== want.mode) diffs.push(`mode ${want.mode?.toString(8)}→${got.mode?.toString(8)}`);
      if (got.mtime !== want.mtime) diffs.push('mtime');
      if (diffs.length) touches.push({ path: where(path), problem: `changed: ${diffs.join(', ')}` });
    }
  }
  // Where nodupe may create things in the tree: the plan's paths and their folders (also where they lead now
  // through a swapped folder, if that is in the tree), and its own .nodupe-* names. Nowhere in the victim folder.
  const allowed = new Set();
  for (const p of tree.actionPaths) {
    for (let d = p; d.startsWith(`${tree.root}/`); d = dirname(d)) allowed.add(d);
    try {
      const real = fs.realpathSync(dirname(p));
      if (real.startsWith(`${tree.root}/`)) allowed.add(join(real, basename(p)));
    } catch {
      // the folder is gone
    }
  }
  for (const root of [tree.root, world.victimDir, world.elsewhere]) {
    for (const [path] of walk(root)) {
      if (adv.expected.has(path) || adv.created.has(path)) continue;
      if (root === tree.root && (allowed.has(path) || basename(path).startsWith('.nodupe-'))) continue;
      // A plan path inside a folder the adversary moved away went with its folder.
      const moved = adv.swapped.find((w) => path.startsWith(`${w.to}/`));
      if (moved && allowed.has(moved.from + path.slice(moved.to.length))) continue;
      touches.push({ path: where(path), problem: 'appeared' });
    }
  }
  return touches;
}

/** Oracle 3: verify's consistency check, less what the adversary explains; no intent left after a clean end. */
async function journalProblems(lib, world, tree, adv, reports) {
  const problems = [];
  const journal = world.catalog.journal();
  const explained = (paths) =>
    paths.some((p) => p !== undefined && [...adv.touched].some((t) => p === t || p.startsWith(`${t}/`)));
  const report = await lib.verify(world.catalog, { mode: 'consistency' });
  for (const e of report.errors) {
    const entry =
      e.run === undefined ? undefined : journal.entries(e.run).find((x) => String(x.path) === String(e.path));
    const paths = entry
      ? [entry.path, entry.keeper, entry.target].map((p) => (p === undefined ? undefined : String(p)))
      : [String(e.path)];
    if (e.code !== 'unsettled' && explained(paths)) continue;
    problems.push({
      code: e.code,
      path: shown(world, String(e.path)),
      message: e.message.replaceAll(world.workdir, '…'),
    });
  }
  // A command that returned normally left no intent behind, and its run in the state it reported.
  // The last command that ran: if it returned normally, no intent may be left.
  const last = Object.values(reports).pop();
  const clean = last !== undefined && !last.crashed;
  for (const run of journal.runs().filter((r) => r.planId === tree.plan.id)) {
    const intents = journal.entries(run.id).filter((x) => x.state === 'intent');
    if (intents.length && clean && !problems.some((p) => p.code === 'unsettled')) {
      problems.push({
        code: 'intent-left',
        path: shown(world, String(intents[0].path)),
        message: `run ${run.id} is ${run.state} with ${intents.length} intent(s)`,
      });
    }
    if ((reports['undo again'] ?? reports.undo)?.complete && run.state !== 'undone') {
      problems.push({
        code: 'undo-state',
        path: '',
        message: `undo said complete, run ${run.id} is ${run.state}`,
      });
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------
// Many trials

/**
 * Runs trials 0..`trials`-1 of `seed` (or only those listed), a few at once (each has its own folder and
 * catalog), and sums them up; `onTrial` hears of each, in order.
 *
 * @param {RaceLib} lib
 * @param {{ seed: number, trials?: number, only?: number[], onTrial?: (r: TrialRecord) => void,
 *   keep?: boolean, concurrency?: number, extra?: boolean }} options
 * @returns {Promise<{ results: TrialRecord[], summary: Record<string, unknown> }>}
 */
export async function runTrials(
  lib,
  { seed, trials = 0, only, onTrial, keep = false, concurrency = 4, extra = false },
) {
  const indexes = only ?? Array.from({ length: trials }, (_, i) => i);
  const results = new Array(indexes.length);
  let next = 0;
  let reported = 0;
  const worker = async () => {
    while (next < indexes.length) {
      const at = next++;
      results[at] = await runTrial(lib, seed, indexes[at], { keep, extra });
      for (; reported < indexes.length && results[reported]; reported++) onTrial?.(results[reported]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, indexes.length) }, worker));
  return { results, summary: summarize(seed, results) };
}

/** The figures of a set of trials: the final JSON line of the bench. */
export function summarize(seed, results) {
  const count = (list, key) => list.reduce((acc, r) => ((acc[key(r)] = (acc[key(r)] ?? 0) + 1), acc), {});
  const mutated = results.filter((r) => r.mutation.happened && !r.mutation.noop);
  const sum = (f) => results.reduce((n, r) => n + f(r), 0);
  const out = {
    bench: 'races',
    seed,
    trials: results.length,
    mutations: count(mutated, (r) => r.mutation.kind),
    noopMutations: results.length - mutated.length,
    actions: count(results, (r) => r.op),
    runs: count(results, (r) => r.run),
    contentLost: sum((r) => r.lost.length),
    wrongFileTouches: sum((r) => r.touches.length),
    journalInconsistent: sum((r) => r.journal.length),
    exceptions: sum((r) => r.exceptions.length),
    hangs: sum((r) => r.exceptions.filter((e) => e.code === 'HANG').length),
    lostInUnavoidableWindow: sum((r) => r.inWindow.length),
    leftoverNames: sum((r) => r.leftovers.length),
    failingTrials: results.filter((r) => r.failures.length > 0).length,
  };
  out.pass =
    out.contentLost === 0 &&
    out.wrongFileTouches === 0 &&
    out.journalInconsistent === 0 &&
    out.exceptions === 0;
  return out;
}

/** One summary per (action, run) pair. */
export function summarizeByCombo(results) {
  const lines = [];
  for (const { op, run } of EXTRA_COMBOS) {
    const list = results.filter((r) => r.op === op && r.run === run);
    if (list.length === 0) continue;
    const sum = (f) => list.reduce((n, r) => n + f(r), 0);
    lines.push({
      bench: 'races/combo',
      op,
      run,
      trials: list.length,
      mutated: list.filter((r) => r.mutation.happened && !r.mutation.noop).length,
      contentLost: sum((r) => r.lost.length),
      wrongFileTouches: sum((r) => r.touches.length),
      journalInconsistent: sum((r) => r.journal.length),
      exceptions: sum((r) => r.exceptions.length),
      failingTrials: list.filter((r) => r.failures.length > 0).length,
    });
  }
  return lines;
}
