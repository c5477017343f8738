import { FORMATS } from '../dupes/formats/index.js';
import { HASH_ALGORITHMS, HASH_DESCRIPTIONS } from '../hash/algorithms.js';
import { BUILTIN_RANKING_RULES } from '../plan/ranking-rules.js';
import { PLUGIN_API_VERSION, type PluginDefinition } from './api.js';
import type { Candidate } from './host.js';

/**
 * The hashers, formats and keeper rules nodupe ships with, as plugins like any other: the host lists them,
 * and a third-party plugin adds to them (but cannot take a name they hold).
 */
export const BUILTIN_PLUGINS: readonly PluginDefinition[] = [
  {
    name: 'nodupe.hashers',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: {
      // The hashing workers know these by name; the module field of a built-in hasher is never loaded.
      hashers: HASH_ALGORITHMS.map((name) => ({
        name,
        description: HASH_DESCRIPTIONS[name],
        module: 'nodupe:builtin',
      })),
    },
  },
  {
    name: 'nodupe.formats',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: { formats: Object.values(FORMATS) },
  },
  {
    name: 'nodupe.rules',
    version: PLUGIN_API_VERSION,
    api: '^1',
    provides: { rules: [...BUILTIN_RANKING_RULES] },
  },
];

export function builtinCandidates(): Candidate[] {
  return BUILTIN_PLUGINS.map((definition) => ({ definition, source: { kind: 'builtin' } }));
}
