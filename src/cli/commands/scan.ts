import { realpathSync } from 'node:fs';
import type { CliContext } from '../context.js';
import type { ScanCliOptions } from '../options.js';
import {
  count,
  dataDir,
  describeArchives,
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
import {
  forgetManifestCommand,
  importManifestCommand,
  manifestRequest,
  type ManifestScanCliOptions,
} from './scan-from-manifest.js';

/**
 * What every scan a command runs takes from its session and options: the catalog, nodupe's own places left out,
 * the hasher (a plugin's, watched), the threads, the read rate, progress, profiler, clock and signal.
 */
export function sessionScanOptions(
  session: Session,
  options: { threads?: number; maxReadRate?: number },
  ctx: CliContext,
  algorithm: string,
) {
  const hasher = hasherNamed(session.plugins, algorithm);
  const location = session.catalog.location;
  return {
    catalog: session.catalog,
    algorithm,
    // Quarantined copies and snapshots are nodupe's, not the user's files.
    skipFolders: ownFolders(session.catalog, dataDir(ctx.env)),
    // The catalog itself, wherever --catalog put it (within a scanned folder, it changes under every scan); a
    // PostgreSQL catalog is no file here.
    skipFiles: isPostgresLocation(location) ? [] : [realpathSync(location)],
    ...(hasher.module === undefined
      ? {}
      : {
          hasherModule: hasher.module,
          hasherPlugin: session.plugins.registry.providerOf('hashers', algorithm) ?? hasher.module,
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
  };
}

/** Scans the paths with the command line's options, reporting problems on stderr. */
export async function scanPaths(
  paths: readonly string[],
  options: ScanCliOptions,
  session: Session,
  ctx: CliContext,
): Promise<ScanReport> {
  const roots = resolveRoots(paths, ctx.cwd);
  const matched = new Set<string>();
  const report = await scan({
    ...sessionScanOptions(session, options, ctx, options.hash),
    roots,
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
    archives: archivesOn(options, session),
  });
  const archiveProblems = report.problems.filter((p) => p.op === 'archive');
  if (archiveProblems.length > 0) {
    // Named always: an archive read only in part is not a file that could not be read at all.
    session.warn(
      `${count(archiveProblems.length, 'archive')} could not be read to the end (the members before it are kept):`,
    );
    for (const p of archiveProblems) session.warn(`  ${describeProblem(p)}`);
  }
  const otherProblems = report.problems.filter((p) => p.op !== 'archive');
  if (otherProblems.length > 0) {
    session.warn(
      `${count(otherProblems.length, 'file or folder', 'files or folders')} could not be read${options.verbose ? ':' : ' (--verbose lists them)'}`,
    );
    if (options.verbose) for (const p of otherProblems) session.warn(`  ${describeProblem(p)}`);
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

/** `--archives`, or the config's `archives = true`. */
export function archivesOn(options: ScanCliOptions, session: Session): boolean {
  return options.archives ?? session.config.archives ?? false;
}

export async function scanCommand(
  paths: string[],
  options: ScanCliOptions & ManifestScanCliOptions,
  ctx: CliContext,
): Promise<void> {
  const request = manifestRequest(paths, options);
  if (request === 'import') return importManifestCommand(options.fromManifest!, options, ctx);
  if (request === 'forget') return forgetManifestCommand(options.forgetManifest!, options, ctx);
  const session = await openSession(options, ctx, (plugins) => hasherNamed(plugins, options.hash));
  try {
    const report = await scanPaths(paths, options, session, ctx);
    session.endProgress();
    ctx.stdout.write(
      `scanned ${count(report.files, 'file')} (${formatBytes(report.totalBytes)}) in ${count(report.dirs, 'folder')}; ` +
        `read ${formatBytes(report.bytesRead)}; ${count(report.groups.length, 'duplicate group')}; ` +
        (report.archives ? `${describeArchives(report.archives)}; ` : '') +
        `catalog: ${shownLocation(session.catalog.location)}\n`,
    );
  } finally {
    await session.close();
  }
}
