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
  type DupesFormat,
  type DupesReport,
} from '../../index.js';
import type { CliContext } from '../context.js';
import type { ScanCliOptions } from '../options.js';
import { dupesFormat, type HabitOptions } from '../habits.js';
import { openSession, type Session } from '../session.js';
import { scanPaths } from './scan.js';

export type DupesCliOptions = ScanCliOptions & HabitOptions & { allMachines?: boolean };

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
    const report: DupesReport =
      paths.length > 0
        ? { ...reportFromScan(await scanPaths(paths, options, session, ctx)), rootsAsTyped: paths }
        : catalogReport(session, options);
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

/** `dupes --all-machines`: the groups across every machine of a shared catalog (scanning PATHs first when given). */
async function allMachinesCommand(paths: string[], options: DupesCliOptions, ctx: CliContext): Promise<void> {
  const format = (options.format ?? 'text') as CopyFormat;
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
