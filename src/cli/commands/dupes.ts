import {
  writeBuffered,
  COPY_FORMATS,
  renderCopyGroups,
  type CopyFormat,
  describeUnfinished,
  dupesFromCatalog,
  FORMATS,
  hashToAskFor,
  hasherNamed,
  NodupeError,
  reportFromScan,
  reportOfTypes,
  type DupesFormat,
  type DupesReport,
  withArchiveMembers,
  labelOf,
  manifestsHashedOtherwise,
  type EntryKinds,
} from '../../index.js';
import type { CliContext } from '../context.js';
import type { ScanCliOptions, TypeCliOptions } from '../options.js';
import { dupesFormat, type HabitOptions } from '../habits.js';
import { openSession, type Session } from '../session.js';
import { archivesOn, scanPaths } from './scan.js';

export type DupesCliOptions = ScanCliOptions &
  HabitOptions &
  TypeCliOptions & { allMachines?: boolean; manifests?: boolean };

/** The built-in output formats' names, for `--help`. */
export function formatNames(): string[] {
  return Object.keys(FORMATS);
}

/** `nodupe dupes [PATH...]`: scans the paths when given, then prints the groups in the chosen format. */
export async function dupesCommand(
  paths: string[],
  options: DupesCliOptions,
  ctx: CliContext,
): Promise<void> {
  if (options.allMachines) return allMachinesCommand(paths, options, ctx);
  let format: DupesFormat | undefined;
  const session = await openSession(
    options,
    ctx,
    (plugins) => {
      format = dupesFormat(plugins, options);
      hasherNamed(plugins, options.hash);
    },
    paths.length === 0 ? 'read' : 'scan',
  );
  try {
    const all: DupesReport =
      paths.length > 0
        ? { ...reportFromScan(await scanPaths(paths, options, session, ctx)), rootsAsTyped: paths }
        : catalogReport(session, options);
    const kinds = { archives: archivesOn(options, session), manifests: options.manifests ?? false };
    const report = reportOfTypes(
      kinds.archives || kinds.manifests ? withMembers(all, format!, session, options, kinds) : all,
      options.type ?? [],
    );
    // Progress is finished before results are printed, so the two never interleave on a terminal; the
    // plugins stay up until then (a format may be a plugin's).
    session.endProgress();
    writeBuffered(ctx.stdout, (out) => format!.render(report, out));
    // An interrupted scan must not look like a clean answer: said after the groups, and the exit code is 1.
    const unfinished = report.unfinished ?? [];
    if (unfinished.length > 0) {
      throw new NodupeError('FAILED', unfinished.map(describeUnfinished).join('\nnodupe: '));
    }
  } finally {
    await session.close();
  }
}

/**
 * The groups the catalog knows by the `--hash` algorithm. When it holds none by that algorithm but some by
 * another, the user is told which to ask for: an empty answer must not look like "no duplicates".
 */
export function catalogReport(session: Session, options: ScanCliOptions): DupesReport {
  const report = dupesFromCatalog(session.catalog, options.hash, options.includeEmpty ?? false);
  if (report.groups.length > 0) return report;
  const held = session.catalog.hashAlgorithms();
  const askFor = hashToAskFor(held, options.hash);
  if (askFor !== options.hash) {
    session.warn(
      `the catalog holds ${held.join(', ')} hashes, none by ${options.hash}: pass --hash ${askFor}`,
    );
  }
  return report;
}

/**
 * The report with archive members (and imported manifests' files) in its groups, when the format shows them (a
 * format that does not is told).
 */
function withMembers(
  report: DupesReport,
  format: DupesFormat,
  session: Session,
  options: ScanCliOptions,
  kinds: EntryKinds,
): DupesReport {
  if (kinds.manifests) warnAboutManifests(session, report.algorithm);
  if (format.archiveMembers) {
    return withArchiveMembers(report, session.catalog, options.includeEmpty ?? false, kinds);
  }
  const what = [kinds.archives ? 'archive members' : '', kinds.manifests ? "manifests' files" : '']
    .filter(Boolean)
    .join(' or ');
  session.warn(`--format ${format.name} shows no ${what}: only the groups of loose files follow`);
  return report;
}

/** `--manifests` with none imported, or one hashed by another algorithm, must not look like "no copies there". */
function warnAboutManifests(session: Session, algorithm: string): void {
  const entries = session.catalog.entries();
  if (entries.containers('manifest').length === 0) {
    session.warn('no manifest is imported: `nodupe scan --from-manifest FILE` imports one');
  }
  for (const m of manifestsHashedOtherwise(entries, algorithm)) {
    session.warn(
      `the manifest ${JSON.stringify(labelOf(m))} is hashed by ${m.algorithm}, the groups by ${algorithm}: ` +
        `its files join no group (pass --hash ${m.algorithm}, or import a manifest written with --hash ${algorithm})`,
    );
  }
}

/** `dupes --all-machines`: the groups across every machine of a shared catalog (scanning PATHs first when given). */
async function allMachinesCommand(paths: string[], options: DupesCliOptions, ctx: CliContext): Promise<void> {
  const format = (options.format ?? 'text') as CopyFormat;
  if (options.type !== undefined) {
    throw new NodupeError(
      'USAGE',
      '--type is not for --all-machines: the groups across machines carry no types',
    );
  }
  if (!(COPY_FORMATS as readonly string[]).includes(format)) {
    throw new NodupeError(
      'BAD_INPUT',
      `--all-machines prints ${COPY_FORMATS.join(', ')}, not --format ${options.format ?? ''}`,
    );
  }
  const session = await openSession(
    options,
    ctx,
    (plugins) => hasherNamed(plugins, options.hash),
    paths.length === 0 ? 'read' : 'scan',
  );
  try {
    if (paths.length > 0) await scanPaths(paths, options, session, ctx);
    session.endProgress();
    writeBuffered(ctx.stdout, (out) =>
      renderCopyGroups(session.catalog.copyGroups(options.hash), format, out),
    );
  } finally {
    await session.close();
  }
}
