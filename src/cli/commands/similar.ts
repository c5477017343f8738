import { randomUUID } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  count,
  describePlanBytes,
  displayPath,
  planToJson,
  planWarnings,
  similarPlan,
  summarizePlan,
  SIMILAR_OPS,
  type SimilarOp,
  type SimilarReport,
  type FsPath,
  writeBuffered,
  builtinDetector,
  BUILTIN_DETECTOR,
  detectorNamed,
  byteRateLimiter,
  findSimilar,
  FOLDER_FORMATS,
  similarFoldersInCatalog,
  hasherNamed,
  NodupeError,
  SIMILAR_FORMATS,
  type Phase,
  type SimilarityDetector,
  type SimilarSubject,
} from '../../index.js';
import type { CliContext } from '../context.js';
import {
  addCommonOptions,
  addScanOptions,
  parseCount,
  type CommonOptions,
  type ScanCliOptions,
} from '../options.js';
import { catalogLocation, openSession, resolveRoots } from '../session.js';
import { scanPaths } from './scan.js';
import type { Session } from '../session.js';
import { checkOutputFile, ownPlaces, writeOutputFile } from '../output-file.js';

interface SimilarCliOptions extends ScanCliOptions {
  similarity?: string;
  format?: string;
  rotations?: boolean;
  detector?: string;
  plan?: string;
  action: SimilarOp;
  to?: string;
}

const SUBJECTS: Record<SimilarSubject, string> = {
  images: 'pictures that look alike: recompressed, resized, cropped a little, turned or mirrored copies',
  docs: 'documents with mostly the same text: edited copies, the same text as PDF, HTML, DOCX or plain text',
};

/** `nodupe similar images|docs|folders [PATH...]`. */
export function similarCommand(ctx: CliContext): Command {
  const similar = new Command('similar').description(
    'near-duplicates: pictures or documents that are alike without being byte-identical',
  );
  for (const subject of Object.keys(SUBJECTS) as SimilarSubject[]) {
    const detector = builtinDetector(subject, { rotations: true });
    const command = addScanOptions(addCommonOptions(new Command(subject)))
      .description(SUBJECTS[subject])
      .argument('[path...]', 'files or folders to scan first (without: the files the catalog holds)')
      .option(
        '--similarity <level>',
        `how alike: ${presetList(detector)}, or the largest distance (${detector.distanceUnit}) (default: ${detector.defaultPreset})`,
      )
      .option(
        '--format <format>',
        `output format: ${Object.keys(SIMILAR_FORMATS).join(', ')} (default: text)`,
      );
    if (subject === 'images') command.option('--no-rotations', 'do not match turned or mirrored copies');
    command.option(
      '--detector <name>',
      `a plugin's detector of ${subject} (default: the built-in ${BUILTIN_DETECTOR[subject]}; \`nodupe plugins list\` names them)`,
    );
    command
      .option(
        '--plan <file>',
        'also write a review-first plan of the groups for `nodupe apply` (quarantine or move only; - for stdout)',
      )
      .addOption(
        new Option('--action <action>', 'what the plan does with every file but the first of a group')
          .choices([...SIMILAR_OPS])
          .default('quarantine'),
      )
      .option('--to <dir>', 'with --action move: the folder the files go to (on the same file system)');
    similar.addCommand(
      command.action((paths: string[], options: SimilarCliOptions) =>
        findCommand(subject, paths, options, ctx),
      ),
    );
  }
  similar.addCommand(
    addCommonOptions(new Command('folders'))
      .description(
        'folders that are copies of each other, or mostly are: from the catalog, no file is read (scan first)',
      )
      .argument('[path...]', 'report only folders at or under these (default: every folder of the catalog)')
      .option(
        '--min-overlap <percent>',
        'the least share of a folder (by files or bytes) the other must hold for the pair to be listed (default: 80)',
        parseCount(1, 100),
      )
      .option('--include-empty', 'compare empty files too (all empty files have the same content)')
      .option('--format <format>', `output format: ${Object.keys(FOLDER_FORMATS).join(', ')} (default: text)`)
      .action((paths: string[], options: FolderCliOptions) => foldersCommand(paths, options, ctx)),
  );
  return similar;
}

interface FolderCliOptions extends CommonOptions {
  minOverlap?: number;
  includeEmpty?: boolean;
  format?: string;
}

async function foldersCommand(paths: string[], options: FolderCliOptions, ctx: CliContext): Promise<void> {
  const format = formatIn(FOLDER_FORMATS, options.format);
  const roots = resolveRoots(paths, ctx.cwd);
  const session = await openSession(options, ctx, undefined, 'read');
  try {
    const result = similarFoldersInCatalog(session.catalog, roots, {
      includeEmpty: options.includeEmpty ?? false,
      ...(options.minOverlap === undefined ? {} : { minOverlap: options.minOverlap / 100 }),
    });
    session.endProgress();
    writeBuffered(ctx.stdout, (out) => format.render(result, out));
  } finally {
    await session.close();
  }
}

/** The format named by `--format` (text by default), or a USAGE error naming the others. */
function formatIn<F>(formats: Record<string, F>, name: string | undefined): F {
  const format = formats[name ?? 'text'];
  if (!format) {
    throw new NodupeError('USAGE', `--format ${name}: expected one of ${Object.keys(formats).join(', ')}`);
  }
  return format;
}

async function findCommand(
  subject: SimilarSubject,
  paths: string[],
  options: SimilarCliOptions,
  ctx: CliContext,
): Promise<void> {
  const format = formatIn(SIMILAR_FORMATS, options.format);
  if (options.action === 'move' && options.to === undefined) {
    throw new NodupeError('USAGE', '--action move needs --to DIR: the folder the files go to');
  }
  if (options.to !== undefined && options.action !== 'move') {
    throw new NodupeError('USAGE', '--to is for --action move');
  }
  if ((options.to !== undefined || options.action !== 'quarantine') && options.plan === undefined) {
    throw new NodupeError('USAGE', '--action and --to say what a plan does: add --plan FILE');
  }
  // A plugin's detector is known once the plugins are loaded: chosen, and the level read, before the catalog opens.
  let detector = builtinDetector(subject, { rotations: options.rotations ?? true });
  let threshold = similarity(detector, options.similarity);
  const session = await openSession(
    options,
    ctx,
    (plugins, config) => {
      if (options.plan !== undefined) {
        checkOutputFile(ctx, options.plan, ownPlaces(ctx, catalogLocation(options.catalog, config, ctx)));
      }
      hasherNamed(plugins, options.hash);
      detector = detectorNamed(
        {
          get: (name) => plugins.registry.get('detectors', name),
          names: () => plugins.registry.names('detectors'),
        },
        subject,
        options.detector,
        { rotations: options.rotations ?? true },
      );
      threshold = similarity(detector, options.similarity);
    },
    paths.length === 0 ? 'update' : 'scan',
  );
  try {
    const roots = paths.length > 0 ? (await scanPaths(paths, options, session, ctx)).roots : [];
    const hasher = hasherNamed(session.plugins, options.hash);
    let phase: Phase | undefined;
    const report = await findSimilar({
      catalog: session.catalog,
      detector,
      roots,
      ...threshold,
      algorithm: options.hash,
      ...(hasher.module === undefined ? {} : { hasherModule: hasher.module }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.maxReadRate === undefined
        ? {}
        : { limiter: byteRateLimiter(options.maxReadRate, ctx.clock) }),
      signal: ctx.signal,
      now: () => ctx.clock.wallNow(),
      onFiles: (items) => (phase = session.progress?.phase('fingerprint', { items })),
      onFile: () => phase?.add({ items: 1 }),
    });
    phase?.end();
    session.endProgress();
    if (options.plan !== undefined) writeSimilarPlan(report, options.plan, options, session, ctx);
    writeBuffered(ctx.stdout, (out) => format.render(report, out));
  } finally {
    await session.close();
  }
}

/** `--plan FILE`: the groups as a review-first plan (each file held to its own content hash at plan time). */
function writeSimilarPlan(
  report: SimilarReport,
  file: string,
  options: SimilarCliOptions,
  session: Session,
  ctx: CliContext,
): void {
  const { plan, left } = similarPlan(
    report,
    {
      id: randomUUID(),
      createdAt: new Date(ctx.clock.wallNow()).toISOString(),
      catalog: { id: session.catalog.id, location: session.catalog.location },
      algorithm: options.hash,
      // The grouped files' rows now (findSimilar recorded the full hash of every file it read): not the catalog.
      rows: report.groups.flatMap((g) =>
        g.members.flatMap((m) => m.file.paths.flatMap((path) => session.catalog.fileAtPath(path) ?? [])),
      ),
      isOwn: ownedByMe,
    },
    { action: options.action, ...(options.to === undefined ? {} : { to: resolve(ctx.cwd, options.to) }) },
  );
  for (const l of left) session.warn(`not in the plan: ${displayPath(l.path)}: ${l.reason}`);
  writeOutputFile(ctx, file, planToJson(plan), (message) => session.warn(message), {
    own: ownPlaces(ctx, session.catalog.location, session.catalog),
  });
  if (!options.quiet) {
    const s = summarizePlan(plan);
    ctx.stderr.write(
      `plan ${plan.id}: ${count(s.groups, 'group')}, ${count(s.actions, 'file')} to ${plan.action}, ` +
        `${describePlanBytes(plan.action, s.bytes)} → ${file}\n`,
    );
    for (const warning of planWarnings(plan)) ctx.stderr.write(`nodupe: ${warning}\n`);
  }
}

/**
 * Whether a file belongs to the user running nodupe: the inode grouped (its name may lead elsewhere now, through
 * a folder someone else controls), by its owner. Apply judges the owners again on the files it opens.
 */
function ownedByMe(file: { paths: readonly FsPath[]; dev: bigint; ino: bigint }): boolean {
  try {
    const st = lstatSync(file.paths[0]!, { bigint: true });
    return st.dev === file.dev && st.ino === file.ino && st.uid === BigInt(process.geteuid?.() ?? -1);
  } catch {
    return false;
  }
}

function presetList(detector: SimilarityDetector): string {
  return Object.entries(detector.presets)
    .map(([name, distance]) => `${name} (${distance})`)
    .join(', ');
}

/** `--similarity`: a preset's name, or a distance from 0 to the detector's largest. */
function similarity(
  detector: SimilarityDetector,
  text: string | undefined,
): { maxDistance: number; preset?: string } {
  const name = text ?? detector.defaultPreset;
  const preset = detector.presets[name];
  if (preset !== undefined) return { maxDistance: preset, preset: name };
  const distance = Number(text);
  if (text === undefined || text.trim() === '' || !(distance >= 0 && distance <= detector.maxDistance)) {
    throw new NodupeError(
      'USAGE',
      `--similarity: expected ${presetList(detector)}, or a distance from 0 to ${detector.maxDistance}, received "${text}"`,
    );
  }
  if (detector.distanceUnit === 'bits' && !Number.isInteger(distance)) {
    throw new NodupeError('USAGE', `--similarity: a number of bits is a whole number, received "${text}"`);
  }
  return { maxDistance: distance };
}
