import type { CliContext } from '../context.js';
import type { ScanCliOptions } from '../options.js';
import { scan, type ScanReport } from '../../scan/scan.js';
import { describeProblem } from '../../scan/walk.js';
import { displayPath } from '../../model/paths.js';
import { formatBytes, formatCount } from '../../core/format.js';
import { dataDir } from '../../core/xdg.js';
import { hasherNamed } from '../plugin-host.js';
import { openSession, resolveRoots, type Session } from '../session.js';

/** Scans the paths with the command line's options, reporting problems on stderr. */
export async function scanPaths(
  paths: readonly string[],
  options: ScanCliOptions,
  session: Session,
  ctx: CliContext,
): Promise<ScanReport> {
  const roots = resolveRoots(paths, ctx.cwd);
  const hasher = hasherNamed(session.plugins, options.hash);
  const report = await scan({
    roots,
    catalog: session.catalog,
    filters: {
      ...(options.exclude ? { exclude: options.exclude } : {}),
      ...(options.include ? { include: options.include } : {}),
      hidden: options.hidden,
      ...(options.minSize === undefined ? {} : { minSize: options.minSize }),
      ...(options.maxSize === undefined ? {} : { maxSize: options.maxSize }),
    },
    followSymlinks: options.followSymlinks ?? false,
    oneFileSystem: options.oneFileSystem ?? false,
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    includeEmpty: options.includeEmpty ?? false,
    algorithm: options.hash,
    // Quarantined copies and snapshots are nodupe's, not the user's duplicates.
    skipFolders: [dataDir(ctx.env)],
    ...(hasher.module === undefined
      ? {}
      : {
          hasherModule: hasher.module,
          hasherPlugin: session.plugins.registry.providerOf('hashers', options.hash) ?? hasher.module,
        }),
    ...(session.config.plugins.hasherTimeLimitMs === undefined
      ? {}
      : { hasherTimeLimitMs: session.config.plugins.hasherTimeLimitMs }),
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.maxReadRate === undefined ? {} : { maxReadRate: options.maxReadRate }),
    ...(session.progress ? { progress: session.progress } : {}),
    ...(session.profiler ? { profiler: session.profiler } : {}),
    clock: ctx.clock,
    signal: ctx.signal,
  });
  if (report.problems.length > 0) {
    session.warn(
      `${formatCount(report.problems.length)} files or folders could not be read${options.verbose ? ':' : ' (--verbose lists them)'}`,
    );
    if (options.verbose) for (const p of report.problems) session.warn(`  ${describeProblem(p)}`);
  }
  if (report.changed.length > 0) {
    session.warn(
      `${formatCount(report.changed.length)} files changed while they were read and were left out of every group:`,
    );
    for (const path of report.changed) session.warn(`  ${displayPath(path)}`);
  }
  return report;
}

export async function scanCommand(paths: string[], options: ScanCliOptions, ctx: CliContext): Promise<void> {
  const session = await openSession(options, ctx, (plugins) => hasherNamed(plugins, options.hash));
  try {
    const report = await scanPaths(paths, options, session, ctx);
    ctx.stdout.write(
      `scanned ${formatCount(report.files)} files (${formatBytes(report.totalBytes)}) in ${formatCount(report.dirs)} folders; ` +
        `read ${formatBytes(report.bytesRead)}; ${formatCount(report.groups.length)} duplicate groups; ` +
        `catalog: ${session.catalog.location}\n`,
    );
  } finally {
    await session.close();
  }
}
