import { resolve } from 'node:path';
import { NodupeError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { DupesFormat } from '../dupes/formats/format.js';
import { builtinRuleLookup, type RuleLookup } from '../plan/keepers.js';
import { builtinCandidates } from '../plugins/builtins.js';
import { discoverPlugins } from '../plugins/discovery.js';
import { PluginHost, type HostEvent } from '../plugins/host.js';
import type { Kind, Kinds, RegisteredHasher } from '../plugins/registry.js';
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

/** What a name stands for in the registry, or a USAGE error listing the names there are ("unknown hash"). */
function named<K extends Kind>(host: PluginHost, kind: K, what: string, name: string): Kinds[K] {
  const found = host.registry.get(kind, name);
  if (!found) {
    throw new NodupeError(
      'USAGE',
      `unknown ${what} "${name}"; known: ${host.registry.names(kind).join(', ')}`,
    );
  }
  return found;
}

/** The hasher a name stands for. */
export function hasherNamed(host: PluginHost, name: string): RegisteredHasher {
  return named(host, 'hashers', 'hash', name);
}

/** The output format a name stands for. */
export function formatNamed(host: PluginHost, name: string): DupesFormat {
  return named(host, 'formats', 'format', name);
}

/** Keeper rules by name, from the host's registry. */
export function ruleLookup(host: PluginHost | undefined): RuleLookup {
  if (!host) return builtinRuleLookup;
  return Object.assign((name: string) => host.registry.get('rules', name), {
    names: () => host.registry.names('rules'),
  });
}
