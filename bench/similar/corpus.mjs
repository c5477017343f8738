// The image corpus of bench/similar.mjs, made at benchmark time (nothing committed): real photos and wallpapers
// from Debian packages (`apt-get download` + `dpkg -x`), each capped at 1024 px, and 12 ImageMagick variants of
// each. Every original with its variants is one true cluster; everything else is a negative, among them the hard
// negatives (other shots of the same scene, listed in HARD_NEGATIVES). The truth is written beside the corpus as
// truth.json; a corpus whose truth.json matches this version and size is reused.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CONVERT = '/usr/bin/convert';
const IDENTIFY = '/usr/bin/identify';
const VERSION = 1;
const MAX_SIDE = 1024;
const MIN_SIDE = 128;

/** Where each package's pictures are, and what is left out (and why). */
const SOURCES = [
  {
    pkg: 'mate-backgrounds',
    dir: 'usr/share/backgrounds/mate',
    // the same picture at other sizes; colour variants of one design (neither a true pair nor a fair negative)
    exclude: /Elephants_\d|Ubuntu-Mate-(Cold|Dark|Radioactive)|MATE-Stripes-Dark/,
  },
  { pkg: 'plasma-workspace-wallpapers', dir: 'usr/share/wallpapers', largestPerWallpaper: true },
  { pkg: 'ukui-wallpapers', dir: 'usr/share/backgrounds' },
  {
    pkg: 'python3-skimage',
    dir: 'usr/lib/python3/dist-packages/skimage/data',
    // one synthetic chessboard in four encodings; a deliberately truncated JPEG
    exclude: /chessboard_|truncated/,
  },
  {
    pkg: 'opencv-doc',
    dir: 'usr/share/doc/opencv-doc/examples/data',
    // edited or cropped copies of other samples (ela_modified, imageTextR, templ, tmpl), a colour variant of a
    // logo, a disparity map and a mask of other samples, one text photo blurred two ways
    exclude: /ela_modified|imageTextR|templ|tmpl|opencv-logo-white|aloeGT|^mask\.png|text_motion/,
  },
];

/** Other shots of one scene, by source file name: every pair inside a set is a negative that looks alike. */
export const HARD_NEGATIVES = {
  'calibration boards (opencv left01..14, right01..14: stereo pairs of one chessboard)':
    /^(left|right)\d\d\.jpg$/,
  'stereo pair (opencv left.jpg, right.jpg)': /^(left|right)\.jpg$/,
  'stereo pair (opencv aloeL, aloeR)': /^aloe[LR]\.jpg$/,
  'stereo pair (skimage motorcycle_left, motorcycle_right)': /^motorcycle_(left|right)\.png$/,
  'adjacent frames (opencv basketball1, basketball2)': /^basketball[12]\.png$/,
  'adjacent frames (opencv rubberwhale1, rubberwhale2)': /^rubberwhale[12]\.png$/,
  'adjacent frames (opencv Blender_Suzanne1, Blender_Suzanne2)': /^Blender_Suzanne[12]\.jpg$/,
  'adjacent frames (opencv aero1, aero3)': /^aero[13]\.jpg$/,
  'other viewpoint (opencv graf1, graf3)': /^graf[13]\.png$/,
  'other exposure (opencv leuvenA, leuvenB)': /^leuven[AB]\.jpg$/,
};

/**
 * The variants of an original: name, the extension of the output ('orig': the original's), the ImageMagick
 * arguments between input and output (given the original's size and index).
 */
export const TRANSFORMS = [
  { name: 'recompress', ext: 'jpg', args: (_s, i) => ['-quality', String(40 + ((i * 7) % 21))] },
  { name: 'resize50', ext: 'orig', args: () => ['-resize', '50%'] },
  { name: 'thumbnail160', ext: 'jpg', args: () => ['-thumbnail', '160x160>'] },
  { name: 'crop90', ext: 'orig', args: () => ['-gravity', 'center', '-crop', '90%x90%+0+0', '+repage'] },
  { name: 'brightness', ext: 'orig', args: () => ['-modulate', '120,100,100'] },
  { name: 'saturation', ext: 'orig', args: () => ['-modulate', '100,160,100'] },
  { name: 'greyscale', ext: 'orig', args: () => ['-colorspace', 'Gray'] },
  {
    name: 'text',
    ext: 'orig',
    args: ({ height }) => [
      ...['-gravity', 'south', '-pointsize', String(Math.max(12, Math.round(height / 12)))],
      ...[
        '-fill',
        'white',
        '-stroke',
        'black',
        '-strokewidth',
        '1',
        '-annotate',
        '+0+8',
        'Summer holiday 2019',
      ],
    ],
  },
  // pixels turned 90° counter-clockwise, tagged Orientation 6 (RightTop): a viewer turns them upright again
  { name: 'exif-orientation', ext: 'jpg', args: () => ['-rotate', '-90', '-quality', '92'] },
  { name: 'webp', ext: 'webp', args: () => ['-quality', '80'] },
  { name: 'mirror', ext: 'orig', args: () => ['-flop'] },
  { name: 'rotate90', ext: 'orig', args: () => ['-rotate', '90'] },
];

/**
 * The corpus in `root` (made when missing or stale): { dir, truthPath, truth }. `originals` caps the number of
 * originals (hard negatives first), for a quicker round; undefined takes all.
 */
export async function ensureImageCorpus(root, originals, log) {
  const dir = join(root, 'images');
  const truthPath = join(root, 'truth.json');
  if (existsSync(truthPath)) {
    const truth = JSON.parse(readFileSync(truthPath, 'utf8'));
    const complete = existsSync(dir) && readdirSync(dir).length === truth.files.length;
    if (truth.version === VERSION && truth.cap === (originals ?? null) && complete)
      return { dir, truthPath, truth };
  }
  const packages = fetchPackages(join(root, 'debs'), log);
  const picked = capped(pickOriginals(packages), originals);
  log(`similar/images corpus: ${picked.length} originals × ${TRANSFORMS.length} variants into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = [];
  await inParallel(picked, 2, async (source, i) => {
    files.push(...(await makeCluster(source, i, dir)));
  });
  files.sort((a, b) => a.path.localeCompare(b.path));
  const truth = {
    version: VERSION,
    cap: originals ?? null,
    packages: Object.fromEntries(Object.entries(packages).map(([pkg, p]) => [pkg, p.version])),
    hardNegatives: Object.keys(HARD_NEGATIVES),
    originals: picked.map((s, i) => ({
      cluster: clusterId(i),
      pkg: s.pkg,
      source: s.rel,
      set: s.set ?? null,
    })),
    files,
  };
  writeFileSync(truthPath, `${JSON.stringify(truth, null, 1)}\n`);
  return { dir, truthPath, truth };
}

/** Each package downloaded and unpacked once into `debs/`: { pkg: { root, version } }. */
function fetchPackages(debs, log) {
  mkdirSync(debs, { recursive: true });
  const out = {};
  for (const { pkg } of SOURCES) {
    const root = join(debs, pkg);
    if (!existsSync(join(root, '.done'))) {
      log(`apt-get download ${pkg}`);
      let got = spawnSync('apt-get', ['download', pkg], { cwd: debs, encoding: 'utf8' });
      if (got.status !== 0) {
        spawnSync('apt-get', ['update'], { stdio: 'ignore' });
        got = spawnSync('apt-get', ['download', pkg], { cwd: debs, encoding: 'utf8' });
      }
      if (got.status !== 0) throw new Error(`apt-get download ${pkg} failed: ${got.stderr.trim()}`);
      const deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
      rmSync(root, { recursive: true, force: true });
      execFileSync('dpkg', ['-x', join(debs, deb), root]);
      const version = execFileSync('dpkg-deb', ['-f', join(debs, deb), 'Version'], {
        encoding: 'utf8',
      }).trim();
      writeFileSync(join(root, '.done'), version);
      rmSync(join(debs, deb));
    }
    out[pkg] = { root, version: readFileSync(join(root, '.done'), 'utf8') };
  }
  return out;
}

/** The originals: no symlinks, no byte-identical copies, no pictures under MIN_SIDE px, in a stable order. */
function pickOriginals(packages) {
  const seen = new Set();
  const picked = [];
  for (const source of SOURCES) {
    const base = join(packages[source.pkg].root, source.dir);
    let paths = walk(base).filter((p) => /\.(jpe?g|png)$/i.test(p));
    if (source.exclude) paths = paths.filter((p) => !source.exclude.test(basename(p)));
    if (source.largestPerWallpaper) paths = largestPerWallpaper(base, paths);
    for (const path of paths.sort()) {
      const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
      if (seen.has(digest)) continue;
      seen.add(digest);
      const size = sizeOf(path);
      if (!size || Math.min(size.width, size.height) < MIN_SIDE) continue;
      const name = basename(path);
      const set = Object.keys(HARD_NEGATIVES).find((k) => HARD_NEGATIVES[k].test(name));
      picked.push({ pkg: source.pkg, path, rel: relative(packages[source.pkg].root, path), size, set });
    }
  }
  return picked;
}

/** Plasma ships each wallpaper at several sizes (and a screenshot, and dark versions): the largest landscape one. */
function largestPerWallpaper(base, paths) {
  const best = new Map();
  for (const path of paths) {
    const parts = relative(base, path).split('/');
    if (parts[1] !== 'contents' || parts[2] !== 'images') continue;
    const size = sizeOf(path);
    if (!size || size.width < size.height) continue;
    const area = size.width * size.height;
    if (!best.has(parts[0]) || best.get(parts[0]).area < area) best.set(parts[0], { path, area });
  }
  return [...best.values()].map((b) => b.path);
}

/** Hard negatives first, then the others; at most `cap`. */
function capped(picked, cap) {
  const ordered = [...picked.filter((p) => p.set), ...picked.filter((p) => !p.set)];
  return cap === undefined ? ordered : ordered.slice(0, cap);
}

const clusterId = (i) => `c${String(i).padStart(4, '0')}`;

/** The original (capped at MAX_SIDE, else its own bytes) and its variants: truth rows. */
async function makeCluster(source, i, dir) {
  const id = clusterId(i);
  const ext = extname(source.path).slice(1).toLowerCase().replace('jpeg', 'jpg');
  const orig = join(dir, `${id}-original.${ext}`);
  if (Math.max(source.size.width, source.size.height) > MAX_SIDE) {
    await run(CONVERT, [source.path, '-resize', `${MAX_SIDE}x${MAX_SIDE}>`, orig]);
  } else {
    copyFileSync(source.path, orig);
  }
  const size = sizeOf(orig);
  const rows = [{ path: basename(orig), cluster: id, transform: 'original' }];
  for (const t of TRANSFORMS) {
    const out = join(dir, `${id}-${t.name}.${t.ext === 'orig' ? ext : t.ext}`);
    await run(CONVERT, [orig, ...t.args(size, i), out]);
    if (t.name === 'exif-orientation') await tagRightTop(out);
    rows.push({ path: basename(out), cluster: id, transform: t.name });
  }
  return rows;
}

/**
 * Sets the EXIF Orientation of a JPEG to 6 (RightTop) with ImageMagick's -orient, which writes the tag only into
 * an EXIF profile the file already has: so a minimal one (Orientation 1) is put in first. Checked with identify.
 */
async function tagRightTop(path) {
  const jpeg = readFileSync(path);
  const tiff = Buffer.from([
    0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0,
  ]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length + 2);
  writeFileSync(
    path,
    Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, body, jpeg.subarray(2)]),
  );
  await run(CONVERT, [path, '-orient', 'RightTop', path]);
  const { stdout } = await run(IDENTIFY, ['-format', '%[orientation]', path]);
  if (stdout.trim() !== 'RightTop') throw new Error(`${path}: orientation ${stdout.trim()}, not RightTop`);
}

function sizeOf(path) {
  const got = spawnSync(IDENTIFY, ['-ping', '-format', '%w %h\n', path], { encoding: 'utf8' });
  if (got.status !== 0) return undefined;
  const [width, height] = got.stdout.split('\n')[0].split(' ').map(Number);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** Regular files under `dir` (symlinks left out: wallpaper packages link sizes to one another). */
function walk(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) out.push(...walk(path));
    else if (stat.isFile()) out.push(path);
  }
  return out;
}

async function inParallel(items, width, work) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
}
