import { realpathSync } from 'node:fs';
import type { CliContext } from '../context.js';
import type { ScanCliOptions } from '../options.js';
import {
  count,
  dataDir,
  describeProblem,
  displayPath,
  formatBytes,
  hasherNamed,
  isPostgresLocation,
  scan,
  shownLocation,
  type ScanReport,
  ownFolders,
} from '../../index.js';
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
  const matched = new Set<string>();
  const report = await scan({
    roots,
    catalog: session.catalog,
    filters: {
      ...(options.exclude ? { exclude: options.exclude } : {}),
      ...(options.include ? { include: options.include } : {}),
      hidden: options.hidden,
      ...(options.minSize === undefined ? {} : { minSize: options.minSize }),
      ...(options.maxSize === undefined ? {} : { maxSize: options.maxSize }),
      matched,
    },
    followSymlinks: options.followSymlinks ?? false,
    oneFileSystem: options.oneFileSystem ?? false,
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    includeEmpty: options.includeEmpty ?? false,
    algorithm: options.hash,
    // Quarantined copies and snapshots are nodupe's, not the user's duplicates.
    skipFolders: ownFolders(session.catalog, dataDir(ctx.env)),
    // The catalog itself, wherever --catalog put it (within a scanned folder, it changes under every scan); a
    // PostgreSQL catalog is no file here.
    skipFiles: isPostgresLocation(session.catalog.location) ? [] : [realpathSync(session.catalog.location)],
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
      `${count(report.problems.length, 'file or folder', 'files or folders')} could not be read${options.verbose ? ':' : ' (--verbose lists them)'}`,
    );
    if (options.verbose) for (const p of report.problems) session.warn(`  ${describeProblem(p)}`);
  }
  if (report.changed.length > 0) {
    session.warn(
      `${count(report.changed.length, 'file')} changed while being read, left out of every group:`,
    );
    for (const path of report.changed) session.warn(`  ${displayPath(path)}`);
  }
  // A mistyped glob must not pass for "nothing to leave out".
  for (const [option, globs] of [
    ['--exclude', options.exclude],
    ['--include', options.include],
  ] as const) {
    for (const glob of globs ?? []) {
      if (!matched.has(glob)) session.warn(`${option} ${glob}: the glob matched nothing`);
    }
  }
  return report;
}

export async function scanCommand(paths: string[], options: ScanCliOptions, ctx: CliContext): Promise<void> {
  const session = await openSession(options, ctx, (plugins) => hasherNamed(plugins, options.hash));
  try {
    const report = await scanPaths(paths, options, session, ctx);
    session.endProgress();
    ctx.stdout.write(
      `scanned ${count(report.files, 'file')} (${formatBytes(report.totalBytes)}) in ${count(report.dirs, 'folder')}; ` +
        `read ${formatBytes(report.bytesRead)}; ${count(report.groups.length, 'duplicate group')}; ` +
        `catalog: ${shownLocation(session.catalog.location)}\n`,
    );
  } finally {
    await session.close();
  }
}
