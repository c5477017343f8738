import { pathToFileURL } from 'node:url';
import type { Clock } from '../core/clock.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { PluginContext, PluginDefinition } from './api.js';
import { checkContribution } from './manifest.js';
import { Registry, resolveHasher, stageProvides, type Staged } from './registry.js';
import { unsafePlugin, type SafetyOptions } from './safety.js';
import { loadSandboxed, SandboxFactory } from './sandbox.js';
import { withTimeout } from './timeout.js';

/** discovered → loading → active → stopping → stopped, or failed (with the reason). */
export type PluginState = 'discovered' | 'loading' | 'active' | 'stopping' | 'stopped' | 'failed';

export type PluginSource = { kind: 'builtin' } | { kind: 'file'; path: string };

/** A plugin as the host sees it. */
export interface PluginRecord {
  /** The plugin's name; for a file that never loaded, the file's path. */
  name: string;
  version: string | undefined;
  source: PluginSource;
  state: PluginState;
  error: string | undefined;
  dependsOn: string[];
  /** Times it was loaded: 1, plus one per successful reload. */
  loads: number;
}

export type HostEvent =
  | { type: 'loaded'; plugin: string; version: string; source: PluginSource }
  | { type: 'reloaded'; plugin: string; from: string; to: string; path: string }
  | { type: 'failed'; plugin: string; error: string; path?: string; kept?: string }
  | { type: 'unloaded'; plugin: string; reason: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; plugin: string; message: string };

export type Candidate = { definition: PluginDefinition; source: { kind: 'builtin' } } | { path: string };

export interface PluginHostOptions {
  clock: Clock;
  /** Each plugin's config section, by plugin name (`[plugin.NAME]` in the config file). */
  config?: Record<string, Record<string, unknown>>;
  limiter?: RateLimiter;
  /** How long setup and teardown may take before the plugin is failed. */
  timeoutMs?: number;
  /**
   * Refuse file plugins that other users could have changed (see safety.ts): judged before each load and
   * reload, and each hasher module before its plugin's sandbox imports it. Absent: every plugin file loads.
   * Built-in plugins are nodupe's own and not judged.
   */
  safety?: SafetyOptions;
}

interface Live {
  record: PluginRecord;
  definition: PluginDefinition | undefined;
  /** The plugin file's URL: hasher modules resolve against it. */
  base: string | undefined;
  /** Ends a file plugin's sandbox worker. */
  dispose: (() => Promise<void>) | undefined;
}

/**
 * Loads plugins, orders them by their dependencies, starts independent ones concurrently, and keeps each
 * one's failure to itself: a plugin whose import, manifest, API range, setup or dependencies fail is marked
 * failed with the reason, its dependents do not start, and every other plugin goes on. File plugins can be
 * reloaded (a new version is loaded and set up beside the old, swapped in only when that succeeded, then the
 * old one is torn down) and unloaded.
 */
export class PluginHost {
  readonly registry = new Registry();
  readonly #clock: Clock;
  readonly #config: Record<string, Record<string, unknown>>;
  readonly #limiter: RateLimiter | undefined;
  readonly #timeoutMs: number;
  readonly #safety: SafetyOptions | undefined;
  readonly #plugins = new Map<string, Live>();
  readonly #listeners = new Set<(event: HostEvent) => void>();
  readonly #sandboxes = new SandboxFactory();
  /** Plugin files unloaded because a plugin they depend on went, by that plugin's name. */
  readonly #waiting = new Map<string, Set<string>>();
  /** Reloads and unloads run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PluginHostOptions) {
    this.#clock = options.clock;
    this.#config = options.config ?? {};
    this.#limiter = options.limiter;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#safety = options.safety;
  }

  on(listener: (event: HostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  list(): PluginRecord[] {
    return [...this.#plugins.values()].map((p) => ({ ...p.record }));
  }

  get(name: string): PluginRecord | undefined {
    const live = this.#plugins.get(name);
    return live ? { ...live.record } : undefined;
  }

  /** Loads and starts the candidates; resolves when each is active or failed. */
  async start(candidates: readonly Candidate[]): Promise<void> {
    const loaded = await Promise.all(candidates.map((c) => this.#load(c)));
    await this.#startAll(loaded.filter((l): l is Live => l !== undefined));
  }

  /** Starts each plugin once its dependencies are active; independent plugins start concurrently. */
  async #startAll(lives: readonly Live[]): Promise<void> {
    const cycles = findCycles(lives.map((l) => l.definition!));
    const starting = new Map<string, Promise<boolean>>();
    const startOne = (live: Live): Promise<boolean> => {
      const name = live.record.name;
      let started = starting.get(name);
      if (!started) {
        started = (async () => {
          const cycle = cycles.get(name);
          if (cycle) return this.#fail(live, `dependency cycle: ${cycle.join(' → ')}`);
          for (const dep of live.record.dependsOn) {
            const other = this.#plugins.get(dep);
            if (!other) return this.#fail(live, `depends on "${dep}", which is not installed`);
            const ok =
              other.record.state === 'active' ||
              (['discovered', 'loading'].includes(other.record.state) && (await startOne(other)));
            if (!ok)
              return this.#fail(
                live,
                `depends on "${dep}", which ${other.record.state === 'failed' ? 'failed' : 'is not active'}`,
              );
          }
          live.record.state = 'loading';
          const staged = await this.#setUp(live);
          if (typeof staged === 'string') {
            await live.dispose?.();
            return this.#fail(live, staged);
          }
          // Checked and swapped in one synchronous step: plugins starting concurrently cannot both take a name.
          const conflict = this.registry.conflict(name, staged);
          if (conflict !== undefined) {
            await this.#runTeardown(live);
            return this.#fail(live, conflict);
          }
          this.registry.swap(name, staged);
          live.record.state = 'active';
          live.record.loads++;
          this.#emit({
            type: 'loaded',
            plugin: name,
            version: live.record.version!,
            source: live.record.source,
          });
          this.#wakeWaiting(name);
          return true;
        })();
        starting.set(name, started);
      }
      return started;
    };
    await Promise.all(lives.map(startOne));
  }

  /**
   * Loads the plugin file at `path` again (or for the first time): its new version is set up first and swapped
   * in only when that worked; the old one is torn down after. A broken version leaves the old one active.
   */
  reloadFile(path: string): Promise<void> {
    return this.#serial(() => this.#reload(path));
  }

  /** Tears down and unregisters the plugin loaded from `path` (its file was deleted), and its dependents. */
  unloadFile(path: string): Promise<void> {
    return this.#serial(async () => {
      const live = this.#byPath(path);
      if (live) await this.#unload(live, 'its file was removed');
    });
  }

  /**
   * Keeps a sandbox worker booted and idle for the next file plugin to load in, so that a hot reload does not
   * wait for a thread to start. Off by default (one-shot commands do not need it).
   */
  keepWarm(enabled: boolean): void {
    this.#sandboxes.warm(enabled);
  }

  /** Tears every active plugin down, dependents before what they depend on; ends every worker. */
  async stop(): Promise<void> {
    await this.#queue;
    await this.#sandboxes.close();
    for (const live of this.#dependencyOrder().reverse()) {
      if (live.record.state === 'active') await this.#tearDown(live, 'stopped');
      else await live.dispose?.();
    }
  }

  /** The plugins, each after the plugins it depends on. */
  #dependencyOrder(): Live[] {
    const order: Live[] = [];
    const placed = new Set<string>();
    const place = (live: Live, path: Set<string>) => {
      const name = live.record.name;
      if (placed.has(name) || path.has(name)) return;
      path.add(name);
      for (const dep of live.record.dependsOn) {
        const other = this.#plugins.get(dep);
        if (other) place(other, path);
      }
      placed.add(name);
      order.push(live);
    };
    for (const live of this.#plugins.values()) place(live, new Set());
    return order;
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #byPath(path: string): Live | undefined {
    for (const live of this.#plugins.values()) {
      if (live.record.source.kind === 'file' && live.record.source.path === path) return live;
    }
    return undefined;
  }

  /** Imports (for files) and checks a candidate; registers its record. Undefined when it failed to load. */
  async #load(candidate: Candidate): Promise<Live | undefined> {
    const source: PluginSource =
      'path' in candidate ? { kind: 'file', path: candidate.path } : candidate.source;
    const loaded = await this.#import(candidate);
    if (typeof loaded === 'string') {
      this.#failedToLoad('path' in candidate ? candidate.path : 'a built-in plugin', source, loaded);
      return undefined;
    }
    return this.#register(loaded, source);
  }

  /** Records a checked definition as loading; a name already taken fails it. */
  #register(loaded: Loaded, source: PluginSource): Live | undefined {
    const { definition, base, dispose } = loaded;
    const existing = this.#plugins.get(definition.name);
    if (existing) {
      void dispose?.();
      const error = `a plugin named "${definition.name}" is already loaded (${describeSource(existing.record.source)})`;
      this.#failedToLoad(`${definition.name} (${describeSource(source)})`, source, error);
      return undefined;
    }
    const record: PluginRecord = {
      name: definition.name,
      version: definition.version,
      source,
      state: 'discovered',
      error: undefined,
      dependsOn: definition.dependsOn ?? [],
      loads: 0,
    };
    const live = { record, definition, base, dispose };
    this.#plugins.set(definition.name, live);
    return live;
  }

  #failedToLoad(label: string, source: PluginSource, error: string): void {
    const record: PluginRecord = {
      name: label,
      version: undefined,
      source,
      state: 'failed',
      error,
      dependsOn: [],
      loads: 0,
    };
    this.#plugins.set(label, { record, definition: undefined, base: undefined, dispose: undefined });
    this.#emit({
      type: 'failed',
      plugin: label,
      error,
      ...(source.kind === 'file' ? { path: source.path } : {}),
    });
  }

  /**
   * The definition a candidate holds, checked; or why it cannot be used. A file plugin loads in a sandbox
   * worker of its own (see sandbox.ts): each version in a fresh worker, so reloads leave nothing behind.
   */
  async #import(candidate: Candidate): Promise<Loaded | string> {
    let definition: unknown;
    let base: string | undefined;
    let dispose: (() => Promise<void>) | undefined;
    if ('path' in candidate) {
      const refused = this.#safety ? unsafePlugin(candidate.path, this.#safety) : undefined;
      if (refused !== undefined) return refused;
      base = pathToFileURL(candidate.path).href;
      const sandboxed = await loadSandboxed(
        candidate.path,
        {
          config: this.#config,
          limiter: this.#limiter,
          clock: this.#clock,
          loadTimeoutMs: this.#timeoutMs,
          safety: this.#safety,
          onCrash: (reason) => this.#crashed(candidate.path, reason),
        },
        this.#sandboxes.take(),
      );
      if (typeof sandboxed === 'string') return sandboxed;
      definition = sandboxed.definition;
      dispose = () => sandboxed.dispose();
    } else definition = candidate.definition;
    // A file plugin's manifest and API range were checked in its sandbox (the definition here stands for it);
    // the built-in ones are nodupe's own (a test checks them). So no semver on the main thread at start-up.
    return { definition: definition as PluginDefinition, base, dispose };
  }

  /** Runs setup (within the timeout) and gathers the contributions; a string says why it failed. */
  async #setUp(live: Live): Promise<Staged | string> {
    const definition = live.definition!;
    const name = definition.name;
    const staged = stageProvides(definition.provides, live.base);
    const add = (kind: keyof Staged, item: unknown) => {
      checkContribution(`plugin "${name}"`, kind, item);
      (staged[kind] as unknown[]).push(item);
    };
    const ctx: PluginContext = {
      name,
      logger: {
        info: (message) => this.#emit({ type: 'log', level: 'info', plugin: name, message }),
        warn: (message) => this.#emit({ type: 'log', level: 'warn', plugin: name, message }),
        error: (message) => this.#emit({ type: 'log', level: 'error', plugin: name, message }),
      },
      config: Object.freeze({ ...(this.#config[name] ?? {}) }),
      clock: this.#clock,
      limiter: this.#limiter,
      register: {
        hasher: (h) => add('hashers', resolveHasher(h, live.base ?? 'file:///')),
        format: (f) => add('formats', f),
        rule: (r) => add('rules', r),
        detector: (d) => add('detectors', d),
      },
    };
    try {
      if (definition.setup) {
        await withTimeout(
          Promise.resolve().then(() => definition.setup!(ctx)),
          this.#timeoutMs,
          this.#clock,
          `setup of "${name}"`,
        );
      }
    } catch (error) {
      return `setup failed: ${describeError(error)}`;
    }
    return staged;
  }

  async #reload(path: string): Promise<void> {
    const previous = this.#byPath(path);
    const loaded = await this.#import({ path });
    const old = previous?.record.state === 'active' ? previous : undefined;
    if (typeof loaded === 'string') {
      if (old) this.#keepOld(old, loaded, path);
      else {
        if (previous) this.#forget(previous);
        this.#failedToLoad(path, { kind: 'file', path }, loaded);
      }
      return;
    }
    const { definition, base, dispose } = loaded;
    if (!old || old.record.name !== definition.name) {
      // A new plugin, one that had failed, or one renamed: (un)load it as a whole.
      if (old) await this.#unload(old, `renamed to "${definition.name}"`);
      else if (previous) this.#forget(previous);
      const live = this.#register(loaded, { kind: 'file', path });
      if (live) await this.#startAll([live]);
      return;
    }
    const next: Live = {
      record: { ...old.record, version: definition.version, dependsOn: definition.dependsOn ?? [] },
      definition,
      base,
      dispose,
    };
    const missing = next.record.dependsOn.find((d) => this.#plugins.get(d)?.record.state !== 'active');
    const staged =
      missing === undefined ? await this.#setUp(next) : `depends on "${missing}", which is not active`;
    const conflict = typeof staged === 'string' ? staged : this.registry.conflict(definition.name, staged);
    if (conflict !== undefined || typeof staged === 'string') {
      if (typeof staged !== 'string') await this.#runTeardown(next);
      else await next.dispose?.();
      this.#keepOld(old, conflict ?? 'failed', path);
      return;
    }
    // The swap: one synchronous step, then the old version goes.
    this.registry.swap(definition.name, staged);
    const from = old.record.version!;
    next.record.loads = old.record.loads + 1;
    next.record.state = 'active';
    next.record.error = undefined;
    this.#plugins.set(definition.name, next);
    this.#emit({ type: 'reloaded', plugin: definition.name, from, to: definition.version, path });
    await this.#runTeardown(old);
  }

  /** A reload that failed: the old version stays active, and says why the new one did not take. */
  #keepOld(old: Live, error: string, path: string): void {
    old.record.error = `the last reload failed, version ${old.record.version!} stays active: ${error}`;
    this.#emit({ type: 'failed', plugin: old.record.name, error, path, kept: old.record.version! });
  }

  async #unload(live: Live, reason: string): Promise<void> {
    for (const other of this.#plugins.values()) {
      if (other.record.state === 'active' && other.record.dependsOn.includes(live.record.name)) {
        await this.#unload(other, `its dependency "${live.record.name}" was unloaded`);
        // Loaded again, from its file, when the plugin it waits for is back.
        if (other.record.source.kind === 'file') {
          const waiting = this.#waiting.get(live.record.name) ?? new Set<string>();
          waiting.add(other.record.source.path);
          this.#waiting.set(live.record.name, waiting);
        }
      }
    }
    await this.#tearDown(live, reason);
    this.#plugins.delete(live.record.name);
  }

  async #tearDown(live: Live, reason: string): Promise<void> {
    live.record.state = 'stopping';
    this.registry.swap(live.record.name, undefined);
    await this.#runTeardown(live);
    live.record.state = 'stopped';
    this.#emit({ type: 'unloaded', plugin: live.record.name, reason });
  }

  /** Runs teardown (within the timeout), then ends the plugin's sandbox, if it has one. */
  async #runTeardown(live: Live): Promise<void> {
    try {
      await this.#callTeardown(live);
    } finally {
      await live.dispose?.();
    }
  }

  async #callTeardown(live: Live): Promise<void> {
    const definition = live.definition;
    if (!definition?.teardown) return;
    try {
      await withTimeout(
        Promise.resolve().then(() => definition.teardown!()),
        this.#timeoutMs,
        this.#clock,
        `teardown of "${definition.name}"`,
      );
    } catch (error) {
      this.#emit({
        type: 'log',
        level: 'warn',
        plugin: definition.name,
        message: `teardown failed: ${describeError(error)}`,
      });
    }
  }

  /** Plugins unloaded with a dependency come back (from their files) once it is active again. */
  #wakeWaiting(name: string): void {
    const waiting = this.#waiting.get(name);
    if (!waiting) return;
    this.#waiting.delete(name);
    for (const path of waiting) void this.reloadFile(path);
  }

  /** Drops a plugin that is not active (failed, say) from the host, ending its worker if it still has one. */
  #forget(live: Live): void {
    void live.dispose?.();
    this.#plugins.delete(live.record.name);
  }

  /** A file plugin's worker died after loading: the plugin fails, and what it provided goes. */
  #crashed(path: string, reason: string): void {
    const live = this.#byPath(path);
    if (live?.record.state !== 'active') return;
    this.registry.swap(live.record.name, undefined);
    void this.#fail(live, `it stopped working: ${reason}`);
  }

  #fail(live: Live, error: string): false {
    // A failed plugin keeps no thread: its worker (if any) ends now.
    void live.dispose?.();
    live.record.state = 'failed';
    live.record.error = error;
    this.#emit({
      type: 'failed',
      plugin: live.record.name,
      error,
      ...(live.record.source.kind === 'file' ? { path: live.record.source.path } : {}),
    });
    return false;
  }

  #emit(event: HostEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

interface Loaded {
  definition: PluginDefinition;
  base: string | undefined;
  dispose: (() => Promise<void>) | undefined;
}

export function describeSource(source: PluginSource): string {
  return source.kind === 'builtin' ? 'built in' : source.path;
}

function describeError(error: unknown): string {
  if (error instanceof Error)
    return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}

/** Plugins on a dependency cycle, each with the cycle as a list of names (the first repeated at the end). */
function findCycles(definitions: readonly PluginDefinition[]): Map<string, string[]> {
  const deps = new Map(definitions.map((d) => [d.name, d.dependsOn ?? []]));
  const cycles = new Map<string, string[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string) => {
    if (state.get(name) === 'done' || !deps.has(name)) return;
    if (state.get(name) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(name)), name];
      for (const member of cycle) if (!cycles.has(member)) cycles.set(member, cycle);
      return;
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of deps.get(name)!) visit(dep);
    stack.pop();
    state.set(name, 'done');
  };
  for (const name of deps.keys()) visit(name);
  return cycles;
}
