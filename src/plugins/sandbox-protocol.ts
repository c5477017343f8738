// Messages between the host and a plugin's sandbox worker. Plain data only: it crosses threads (a Buffer arrives
// as a plain Uint8Array; the worker makes it a Buffer again before a plugin sees it, see plugin-paths.ts).
import type { SafetyOptions } from './safety.js';

/** A contribution as the sandbox describes it; its functions stay in the worker and are called by name. */
export interface Descriptor {
  kind: 'hashers' | 'formats' | 'rules' | 'detectors';
  name: string;
  description?: string;
  /** Hashers and detectors: the absolute URL of the module the hashing or fingerprinting workers import. */
  module?: string;
  /** Rules: whether the rule has `show`. */
  shows?: boolean;
  /** Detectors: what they compare, the extensions they read, their version (`module` is theirs too). */
  subject?: 'images' | 'docs';
  extensions?: string[];
  version?: number;
}

export interface Manifest {
  name: string;
  version: string;
  api: string;
  dependsOn: string[];
}

export interface SandboxData {
  url: string;
  config: Record<string, Record<string, unknown>>;
  /** Whether the run has a read budget (`--max-read-rate`) to offer as `ctx.limiter`. */
  hasLimiter: boolean;
  /** Judge hasher modules before importing them (see safety.ts). */
  safety?: SafetyOptions;
  /** Int32 flag the worker sets (and notifies) when a synchronous answer is waiting on `syncPort`. */
  flag: SharedArrayBuffer;
}

/** Worker → host, on the worker's own port. */
export type FromSandbox =
  | { type: 'loaded'; manifest: Manifest }
  /** `import`: the module would not load (a syntax error, a missing import); `manifest`: it is no plugin. */
  | { type: 'load-failed'; stage: 'import' | 'manifest'; error: string }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'acquire'; id: number; n: number };

/** Host → worker: asynchronous calls (setup, teardown, detectors) and limiter grants. */
export type ToSandbox =
  | { type: 'call'; id: number; method: 'setup' | 'teardown'; args: unknown[] }
  | { type: 'granted'; id: number; ok: boolean };

/** Host → worker on the synchronous port: formats and rules, answered while the host waits. */
export interface SyncCall {
  /** Matches the answer to the call: an answer to an earlier call that came too late is dropped. */
  id: number;
  method: 'render' | 'compare' | 'show';
  name: string;
  args: unknown[];
}

export type SyncReply = { id: number } & ({ ok: true; value: unknown } | { ok: false; error: string });
