import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SqliteCatalog } from '../catalog/sqlite/sqlite-store.js';
import type { CatalogStore } from '../catalog/store.js';
import { NodupeError } from '../core/errors.js';
import { Profiler, startCpuProfile } from '../core/profiler.js';
import { ProgressTracker } from '../core/progress.js';
import { loadConfig, type Config } from './config.js';
import type { CliContext } from './context.js';
import { openPluginHost } from './plugin-host.js';
import type { PluginHost } from '../plugins/host.js';
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
export async function openSession(
  options: CommonOptions,
  ctx: CliContext,
  check?: (plugins: PluginHost, config: Config) => void,
): Promise<Session> {
  const config = loadConfig(options.config, ctx.env, ctx.cwd);
  const plugins = await openPluginHost(options, config, ctx);
  try {
    check?.(plugins, config);
  } catch (error) {
    await plugins.stop();
    throw error;
  }
  const catalog = SqliteCatalog.open(
    options.catalog === undefined ? defaultCatalogPath(ctx.env) : resolve(ctx.cwd, options.catalog),
  );
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
      if (options.profile && profiler) ctx.stderr.write(`${profiler.format()}\n`);
    },
  };
}

/**
 * Resolves the paths the user named and checks them before anything is touched: a path that does not exist,
 * or a folder that cannot be read, is bad input. Roots that are links are followed (as `find -H` does).
 */
export function resolveRoots(paths: readonly string[], cwd: string): string[] {
  return paths.map((p) => {
    const absolute = resolve(cwd, p);
    try {
      const st = statSync(absolute);
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
    return absolute;
  });
}
