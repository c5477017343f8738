import { NodupeError } from '../core/errors.js';
import type { DupesFormat } from '../dupes/formats/format.js';
import { builtinRuleLookup, type RuleLookup } from '../plan/keepers.js';
import type { PluginHost } from './host.js';
import type { Kind, Kinds, RegisteredHasher } from './registry.js';

// What a name means in a plugin host's registry, the same for every face (the command line, the server).

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

/** The hasher a name stands for (a USAGE error names those there are). */
export function hasherNamed(host: PluginHost, name: string): RegisteredHasher {
  return named(host, 'hashers', 'hash', name);
}

/** The output format a name stands for (a USAGE error names those there are). */
export function formatNamed(host: PluginHost, name: string): DupesFormat {
  return named(host, 'formats', 'format', name);
}

/** Keeper rules by name, from the host's registry (the built-in ones without a host). */
export function ruleLookup(host: PluginHost | undefined): RuleLookup {
  if (!host) return builtinRuleLookup;
  return Object.assign((name: string) => host.registry.get('rules', name), {
    names: () => host.registry.names('rules'),
  });
}

/**
 * Which hashers the host knows, as `verify` asks (`VerifyOptions.hasher`): whether a name is known, the module
 * of a plugin's hasher and the plugin that provides it.
 */
export function hasherLookup(
  host: PluginHost,
): (name: string) => { known: boolean; module: string | undefined; plugin?: string } {
  return (name) => {
    const found = host.registry.get('hashers', name);
    const plugin = host.registry.providerOf('hashers', name);
    return { known: found !== undefined, module: found?.module, ...(plugin ? { plugin } : {}) };
  };
}
