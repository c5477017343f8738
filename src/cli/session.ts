import { isUtf8 } from 'node:buffer';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  catalogPlaceProblem,
  catalogTrust,
  describeWalkReader,
  NodupeError,
  isPostgresLocation,
  openCatalog,
  Profiler,
  ProgressTracker,
  startCpuProfile,
  type CatalogStore,
  type PluginHost,
} from '../index.js';
import { loadConfig, type Config } from './config.js';
import type { CliContext } from './context.js';
import { openPluginHost } from './plugin-host.js';
import { defaultCatalogPath, type CommonOptions } from './options.js';
import { renderProgress } from './progress-renderer.js';

/**
 * The resources of one command run: config, plugins, catalog, progress, profiler. `close()` releases them
 * and prints timings.
 */
export interface Session {
  config: Config;
  plugins: PluginHost;
  catalog: CatalogStore;
  progress: ProgressTracker | undefined;
  profiler: Profiler | undefined;
  warn(message: string): void;
  /** Stops drawing progress (close does too). */
  endProgress(): void;
  close(): Promise<void>;
}

/**
 * Opens a command's resources. `check` runs once the config and the plugins are loaded and before the catalog
 * is opened: a name no plugin provides (a format, a hash, a rule) is refused before anything is touched.
 */
/** What a command does with its catalog: see {@link openSession}. */
export type CatalogUse = 'scan' | 'update' | 'change' | 'read' | 'rehearse';

export async function openSession(
  options: CommonOptions,
  ctx: CliContext,
  check?: (plugins: PluginHost, config: Config) => void,
  /**
   * `scan` (the commands that scan): a catalog is made where no file exists, and an older one upgraded.
   * `change` (apply, resume, undo, purge): the catalog must exist and be whole, and be one no one else could
   * have written (see `catalogTrust`; it is opened by its real path); an older one is upgraded (its journal and
   * quarantine stay reachable). `read` (verify, runs, dupes and plan from the catalog): it must exist, whole and
   * at the current schema; nothing creates or upgrades it. `update` (similar, which keeps fingerprints in it): it
   * must exist; an older one is upgraded. `rehearse` (the dry runs of apply and purge): as
   * `read`, since a dry run changes nothing, not even the catalog's schema.
   */
  use: CatalogUse = 'scan',
): Promise<Session> {
  const config = loadConfig(options.config, ctx.env, ctx.cwd);
  let location = catalogLocation(options.catalog, config, ctx);
  // Everything a command is told to write is checked before any work, so that bad input changes nothing.
  if (options.cpuProf !== undefined) checkWritable(resolve(ctx.cwd, options.cpuProf), '--cpu-prof');
  // A PostgreSQL catalog is the user's own server, reached by the URL they gave: the checks of a file's place and
  // owner do not apply (opening it says when the server cannot be reached or the login is refused).
  if (!isPostgresLocation(location)) {
    const named = options.catalog ?? config.catalog;
    const place = catalogPlaceProblem(location, { needsFolder: use === 'scan' && named !== undefined });
    if (place !== undefined) throw new NodupeError('BAD_INPUT', place);
    if (use !== 'scan' && !existsSync(location)) {
      throw new NodupeError('BAD_INPUT', `there is no catalog at ${location}`, {
        hint:
          '`nodupe scan PATH` makes one' +
          (options.catalog !== undefined
            ? ' (is the --catalog path right?)'
            : named !== undefined
              ? ` (is the catalog path in ${config.file} right?)`
              : ''),
      });
    }
    if (use === 'change') {
      // A journal someone else could have written is never followed; the path checked is the one opened.
      const trust = catalogTrust(location);
      if ('problem' in trust) throw new NodupeError('BAD_INPUT', trust.problem);
      location = trust.real;
    }
  }
  const plugins = await openPluginHost(options, config, ctx);
  let catalog: CatalogStore;
  try {
    check?.(plugins, config);
    catalog = openCatalog(location, {
      env: ctx.env,
      create: use === 'scan',
      migrate: use === 'scan' || use === 'update' || use === 'change',
      ...(use === 'rehearse'
        ? {
            olderAdvice:
              'a dry run changes nothing, so it does not upgrade it: run `nodupe scan PATH` once (or the command ' +
              'without --dry-run, which upgrades it first); the catalog keeps what it holds',
          }
        : {}),
    });
  } catch (error) {
    await plugins.stop();
    throw error;
  }
  const profiler = options.profile || options.cpuProf ? new Profiler(ctx.clock) : undefined;
  const stopCpuProfile = options.cpuProf
    ? await startCpuProfile(resolve(ctx.cwd, options.cpuProf))
    : undefined;
  const showProgress = options.progress && !options.quiet;
  const progress = showProgress ? new ProgressTracker({ clock: ctx.clock }) : undefined;
  const renderer = progress ? renderProgress(progress, { stream: ctx.stderr, clock: ctx.clock }) : undefined;
  let closed = false;
  return {
    config,
    plugins,
    catalog,
    progress,
    profiler,
    endProgress: () => renderer?.stop(),
    warn: (message) => {
      if (!options.quiet) ctx.stderr.write(`nodupe: ${message}\n`);
    },
    async close() {
      if (closed) return;
      closed = true;
      renderer?.stop();
      catalog.close();
      await plugins.stop();
      await stopCpuProfile?.();
      if (options.profile && profiler) ctx.stderr.write(`${profiler.format()}\n${describeWalkReader()}\n`);
    },
  };
}

/**
 * The catalog a command uses: `--catalog`, else the config file's `catalog`, else the default file. A path is
 * made absolute (a `--catalog` path from the working folder); a URL is kept as given.
 */
export function catalogLocation(
  named: string | undefined,
  config: Config,
  ctx: Pick<CliContext, 'env' | 'cwd'>,
): string {
  if (named === undefined) return config.catalog ?? defaultCatalogPath(ctx.env);
  return isPostgresLocation(named) ? named : resolve(ctx.cwd, named);
}

/**
 * Resolves the paths the user named to real paths (every symbolic link resolved, as the catalog keeps paths)
 * and checks them before anything is touched: a path that does not exist, or a folder that cannot be read, is
 * bad input. Roots that are links are followed (as `find -H` does).
 */
export function resolveRoots(paths: readonly string[], cwd: string): string[] {
  return paths.map((p) => {
    const absolute = resolve(cwd, p);
    let real: Buffer;
    try {
      real = realpathSync.native(absolute, { encoding: 'buffer' });
      const st = statSync(real);
      if (st.isDirectory()) accessSync(absolute, constants.R_OK | constants.X_OK);
      else accessSync(absolute, constants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT' || code === 'ENOTDIR'
          ? 'no such file or directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : (error as Error).message;
      throw new NodupeError('BAD_INPUT', `${p}: ${reason}`, { cause: error });
    }
    // Roots are text; a real path whose bytes are not UTF-8 is left as the user spelled it (the walk follows it).
    return isUtf8(real) ? real.toString() : absolute;
  });
}

/**
 * An output file named on the command line (`option`, for the message) must be writable before any work is
 * done (else exit 2): not a folder, in a folder that exists.
 */
export function checkWritable(file: string, option?: string): void {
  const named = option === undefined ? '' : `${option}: `;
  const cannot = (reason: string, cause?: unknown): NodupeError =>
    new NodupeError('BAD_INPUT', `${named}cannot write ${file}: ${reason}`, { cause });
  if (existsSync(file) && statSync(file).isDirectory()) throw cannot('it is a folder; name a file');
  const folder = dirname(file);
  if (!existsSync(folder)) throw cannot(`its folder ${folder} does not exist`);
  try {
    accessSync(folder, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch (error) {
    throw cannot((error as Error).message, error);
  }
}
