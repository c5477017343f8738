import { realpathSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  AbortError,
  count,
  dataDir,
  formatBytes,
  hasherNamed,
  isAbortError,
  isPostgresLocation,
  watchCatalog,
  type WatchReport,
  ownFolders,
} from '../../index.js';
import type { CliContext } from '../context.js';
import { addCommonOptions, addReadOptions, parseCount, type CommonOptions } from '../options.js';
import { openSession, resolveRoots } from '../session.js';

export interface WatchCliOptions extends CommonOptions {
  format: 'text' | 'ndjson';
  settle: number;
  poll?: boolean;
  pollInterval: number;
  hash: string;
  threads?: number;
  maxReadRate?: number;
  includeEmpty?: boolean;
}

/**
 * `nodupe watch PATH...`: the catalog reconciled with the folders (unchanged files not read), then kept current
 * as files arrive, change, move and go, with new duplicates reported as they appear, until Ctrl-C or SIGTERM
 * (then the command exits 130 or 143, as every command a signal stops).
 */
export function watchCommand(ctx: CliContext): Command {
  return addReadOptions(addCommonOptions(new Command('watch')))
    .description('keep the catalog current with PATHs and report new duplicates as they appear, until Ctrl-C')
    .argument('<path...>', 'folders to watch')
    .addOption(
      new Option('--format <format>', 'text for people, ndjson for programs (one event a line)')
        .choices(['text', 'ndjson'])
        .default('text'),
    )
    .option(
      '--settle <ms>',
      'how long a file must hold still (size and mtime) before it is hashed',
      parseCount(0),
      2_000,
    )
    .option('--poll', 'poll the folders instead of watching them (network file systems)')
    .option('--poll-interval <ms>', 'how often to poll, when polling', parseCount(100), 5_000)
    .option('--include-empty', 'report empty files as duplicates of each other')
    .action((paths: string[], options: WatchCliOptions) => watchPaths(paths, options, ctx));
}

async function watchPaths(paths: string[], options: WatchCliOptions, ctx: CliContext): Promise<void> {
  const roots = resolveRoots(paths, ctx.cwd);
  // Progress bars belong to a scan that ends; the watch's startup scan shows none.
  const session = await openSession({ ...options, progress: false }, ctx, (plugins) =>
    hasherNamed(plugins, options.hash),
  );
  try {
    const hasher = hasherNamed(session.plugins, options.hash);
    const render =
      options.format === 'ndjson' ? ndjson(ctx) : text(ctx, options, (message) => session.warn(message));
    const watch = watchCatalog({
      roots,
      catalog: session.catalog,
      clock: ctx.clock,
      onReport: render,
      settleMs: options.settle,
      pollIntervalMs: options.pollInterval,
      ...(options.poll ? { poll: true } : {}),
      scan: {
        algorithm: options.hash,
        includeEmpty: options.includeEmpty ?? false,
        skipFolders: ownFolders(session.catalog, dataDir(ctx.env)),
        // The catalog itself, wherever --catalog put it (a PostgreSQL catalog is no file here).
        skipFiles: isPostgresLocation(session.catalog.location)
          ? []
          : [realpathSync(session.catalog.location)],
        ...(hasher.module === undefined
          ? {}
          : {
              hasherModule: hasher.module,
              hasherPlugin: session.plugins.registry.providerOf('hashers', options.hash) ?? hasher.module,
            }),
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.maxReadRate === undefined ? {} : { maxReadRate: options.maxReadRate }),
      },
      signal: ctx.signal,
    });
    try {
      await Promise.race([watch.ready, stopped(ctx.signal)]);
      await stopped(ctx.signal);
    } finally {
      await watch.close();
    }
    const reason: unknown = ctx.signal.reason;
    throw isAbortError(reason) ? reason : new AbortError();
  } finally {
    await session.close();
  }
}

/** Resolves when the command is asked to stop (Ctrl-C, SIGTERM). */
const stopped = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/** One JSON object a line: `at` (ISO time), then the report's own fields (see docs: the watch events). */
function ndjson(ctx: CliContext) {
  return (report: WatchReport): void => {
    ctx.stdout.write(`${JSON.stringify({ at: new Date(ctx.clock.wallNow()).toISOString(), ...report })}\n`);
  };
}

/** Lines for people: findings on stdout, the state of the watch on stderr (as warnings are). */
function text(ctx: CliContext, options: WatchCliOptions, warn: (message: string) => void) {
  const out = (line: string) => ctx.stdout.write(`${line}\n`);
  const verbose = options.verbose ?? false;
  return (report: WatchReport): void => {
    switch (report.type) {
      case 'ready':
        return warn(
          `watching ${report.roots.join(', ')}: ${count(report.files, 'file')} in the catalog, ` +
            `${count(report.groups, 'duplicate group')}; read ${formatBytes(report.bytesRead)} to catch up; Ctrl-C stops`,
        );
      case 'duplicate':
        return out(
          `${report.change === 'new' ? 'new file' : 'changed file'} ${report.path} duplicates ` +
            `${report.duplicates.join(', ')} (${formatBytes(report.size)}, ${report.algorithm} ${report.hash})`,
        );
      case 'file':
        if (report.change === 'changed')
          return out(`file changed: ${report.path} (${formatBytes(report.size)})`);
        if (verbose) out(`new file ${report.path} (${formatBytes(report.size)}), no duplicate`);
        return;
      case 'duplicate-gone':
        return out(
          `a duplicate went away: ${report.path} (${formatBytes(report.size)}; ` +
            `${report.copies.length === 0 ? 'no copy left' : `copies left: ${report.copies.join(', ')}`})`,
        );
      case 'removed':
        if (verbose) out(`removed: ${report.path}`);
        return;
      case 'renamed':
        if (verbose) out(`renamed: ${report.from} -> ${report.to}`);
        return;
      case 'fallback':
        return warn(
          `watch fell back to polling ${report.root} every ${report.pollIntervalMs / 1000} s: ${report.reason}`,
        );
      case 'rescan':
        if (verbose) warn(`listing ${report.path} again: ${report.reason}`);
        return;
      case 'problem':
        return warn(`${report.path === '' ? '' : `${report.path}: `}${report.message}`);
    }
  };
}
