import type {
  Contributions,
  DetectorContribution,
  FormatContribution,
  HasherContribution,
  RuleContribution,
} from './api.js';

/** A hasher as the host knows it: a built-in one has no module (the workers know it by name). */
export interface RegisteredHasher extends Omit<HasherContribution, 'module'> {
  /** The file URL of the module that makes its states, for a plugin's hasher. */
  module: string | undefined;
}

export interface Kinds {
  hashers: RegisteredHasher;
  formats: FormatContribution;
  rules: RuleContribution;
  detectors: DetectorContribution;
}
export type Kind = keyof Kinds;
export const KINDS: readonly Kind[] = ['hashers', 'formats', 'rules', 'detectors'];

/** What one plugin contributes, kind by kind. */
export type Staged = { [K in Kind]: Kinds[K][] };

export function emptyStaged(): Staged {
  return { hashers: [], formats: [], rules: [], detectors: [] };
}

/** Static contributions, hashers resolved against the plugin's own URL (or left built-in). */
export function stageProvides(provides: Contributions | undefined, base: string | undefined): Staged {
  const staged = emptyStaged();
  staged.hashers.push(...(provides?.hashers ?? []).map((h) => resolveHasher(h, base)));
  staged.formats.push(...(provides?.formats ?? []));
  staged.rules.push(...(provides?.rules ?? []));
  staged.detectors.push(...(provides?.detectors ?? []).map((d) => resolveDetector(d, base)));
  return staged;
}

/** A detector with its module as an absolute URL (a built-in one's is one already). */
export function resolveDetector(d: DetectorContribution, base: string | undefined): DetectorContribution {
  return base === undefined ? d : { ...d, module: new URL(d.module, base).href };
}

export function resolveHasher(h: HasherContribution, base: string | undefined): RegisteredHasher {
  return { ...h, module: base === undefined ? undefined : new URL(h.module, base).href };
}

/**
 * Everything the active plugins provide, by kind and name, with who provides it. Names are unique per kind: a
 * second plugin providing a taken name is refused. A plugin's contributions are swapped in one synchronous
 * step, so a reader never sees half of an old version and half of a new one.
 */
export class Registry {
  readonly #entries: { [K in Kind]: Map<string, { item: Kinds[K]; plugin: string }> } = {
    hashers: new Map(),
    formats: new Map(),
    rules: new Map(),
    detectors: new Map(),
  };

  get<K extends Kind>(kind: K, name: string): Kinds[K] | undefined {
    return this.#entries[kind].get(name)?.item;
  }

  names(kind: Kind): string[] {
    return [...this.#entries[kind].keys()];
  }

  all<K extends Kind>(kind: K): Kinds[K][] {
    return [...this.#entries[kind].values()].map((e) => e.item);
  }

  providerOf(kind: Kind, name: string): string | undefined {
    return this.#entries[kind].get(name)?.plugin;
  }

  /** The first name another plugin already holds, as a sentence; undefined when all are free. */
  conflict(plugin: string, staged: Staged): string | undefined {
    for (const kind of KINDS) {
      const seen = new Set<string>();
      for (const { name } of staged[kind]) {
        const owner = this.providerOf(kind, name);
        if ((owner !== undefined && owner !== plugin) || seen.has(name)) {
          return `${kind.slice(0, -1)} "${name}" is already provided by plugin "${owner ?? plugin}"`;
        }
        seen.add(name);
      }
    }
    return undefined;
  }

  /** Replaces everything `plugin` provides by `staged` (nothing, to remove it). */
  swap(plugin: string, staged: Staged | undefined): void {
    for (const kind of KINDS) {
      const map = this.#entries[kind] as Map<string, { item: unknown; plugin: string }>;
      for (const [name, entry] of map) if (entry.plugin === plugin) map.delete(name);
      for (const item of staged?.[kind] ?? []) map.set(item.name, { item, plugin });
    }
  }

  /** What a plugin provides, as `kind:name` labels, for listings. */
  providedBy(plugin: string): string[] {
    const out: string[] = [];
    for (const kind of KINDS) {
      for (const [name, entry] of this.#entries[kind])
        if (entry.plugin === plugin) out.push(`${kind.slice(0, -1)} ${name}`);
    }
    return out;
  }
}
