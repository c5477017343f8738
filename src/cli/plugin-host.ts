import { resolve } from 'node:path';
import { NodupeError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { DupesFormat } from '../dupes/formats/format.js';
import { builtinRuleLookup, type RuleLookup } from '../plan/keepers.js';
import { builtinCandidates } from '../plugins/builtins.js';
import { discoverPlugins } from '../plugins/discovery.js';
import { PluginHost, type HostEvent } from '../plugins/host.js';
import type { RegisteredHasher } from '../plugins/registry.js';
import type { Config } from './config.js';
import type { CliContext } from './context.js';
import type { CommonOptions } from './options.js';

/** The plugin folders of a run: the config file's, then `--plugins`. */
export function pluginFolders(options: CommonOptions, config: Config, ctx: CliContext): string[] {
  return [...config.plugins.dirs, ...(options.plugins ?? []).map((d) => resolve(ctx.cwd, d))];
}

/**
 * Starts the plugin host of a command: the built-in plugins, then those in the plugin folders. A plugin that
 * fails is reported on stderr (unless --quiet) and the command goes on without it.
 */
export async function openPluginHost(
  options: CommonOptions,
  config: Config,
  ctx: CliContext,
  extra: { limiter?: RateLimiter; onEvent?: (event: HostEvent) => void } = {},
): Promise<PluginHost> {
  const host = new PluginHost({
    clock: ctx.clock,
    config: config.plugins.sections,
    ...(extra.limiter ? { limiter: extra.limiter } : {}),
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
  const folders = pluginFolders(options, config, ctx);
  const found = await discoverPlugins(folders);
  for (const p of found.problems) {
    if (!options.quiet) ctx.stderr.write(`nodupe: plugin folder ${p.path}: ${p.message}\n`);
  }
  await host.start([...builtinCandidates(), ...found.files.map((path) => ({ path }))]);
  return host;
}

/** The hasher a name stands for, or a USAGE error listing the hashers there are. */
export function hasherNamed(host: PluginHost, name: string): RegisteredHasher {
  const hasher = host.registry.get('hashers', name);
  if (!hasher) {
    throw new NodupeError(
      'USAGE',
      `unknown hash "${name}"; known: ${host.registry.names('hashers').join(', ')}`,
    );
  }
  return hasher;
}

/** The output format a name stands for, or a USAGE error listing the formats there are. */
export function formatNamed(host: PluginHost, name: string): DupesFormat {
  const format = host.registry.get('formats', name);
  if (!format) {
    throw new NodupeError(
      'USAGE',
      `unknown format "${name}"; known: ${host.registry.names('formats').join(', ')}`,
    );
  }
  return format;
}

/** Keeper rules by name, from the host's registry. */
export function ruleLookup(host: PluginHost | undefined): RuleLookup {
  if (!host) return builtinRuleLookup;
  return Object.assign((name: string) => host.registry.get('rules', name), {
    names: () => host.registry.names('rules'),
  });
}
