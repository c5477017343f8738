import { resolve } from 'node:path';
import {
  builtinCandidates,
  discoverPlugins,
  PluginHost,
  type HostEvent,
  type RateLimiter,
} from '../index.js';
import type { Config } from './config.js';
import type { CliContext } from './context.js';
import type { CommonOptions } from './options.js';

/** The plugin folders of a run: the config file's, then `--plugins`. */
export function pluginFolders(options: CommonOptions, config: Config, ctx: CliContext): string[] {
  return [...config.plugins.dirs, ...(options.plugins ?? []).map((d) => resolve(ctx.cwd, d))];
}

/**
 * Starts the plugin host of a command: the built-in plugins, then those in the plugin folders. A plugin that
 * fails, or that other users could have changed (unless --allow-unsafe-plugins), is reported on stderr (unless
 * --quiet) and the command goes on without it.
 */
export async function openPluginHost(
  options: CommonOptions,
  config: Config,
  ctx: CliContext,
  extra: { limiter?: RateLimiter; onEvent?: (event: HostEvent) => void } = {},
): Promise<PluginHost> {
  const folders = pluginFolders(options, config, ctx);
  const uid = process.geteuid?.();
  // Where there are no uids (Windows) there is no owner or mode to judge.
  const judge = !(options.allowUnsafePlugins ?? false) && !config.plugins.allowUnsafe && uid !== undefined;
  const host = new PluginHost({
    clock: ctx.clock,
    config: config.plugins.sections,
    ...(extra.limiter ? { limiter: extra.limiter } : {}),
    ...(judge ? { safety: { folders, uid } } : {}),
  });
  host.on(
    extra.onEvent ??
      ((event) => {
        if (options.quiet) return;
        if (event.type === 'failed') ctx.stderr.write(`nodupe: plugin ${event.plugin}: ${event.error}\n`);
        if (event.type === 'log' && event.level !== 'info') {
          ctx.stderr.write(`nodupe: plugin ${event.plugin}: ${event.message}\n`);
        }
      }),
  );
  const found = await discoverPlugins(folders);
  for (const p of found.problems) {
    if (!options.quiet) ctx.stderr.write(`nodupe: plugin folder ${p.path}: ${p.message}\n`);
  }
  await host.start([...builtinCandidates(), ...found.files.map((path) => ({ path }))]);
  return host;
}
