import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { Clock } from '../core/clock.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import type { PhysicalFile } from '../model/groups.js';
import type { PluginContext, PluginDefinition } from './api.js';
import type { SafetyOptions } from './safety.js';
import type {
  Descriptor,
  FromSandbox,
  Manifest,
  SyncCall,
  SyncReply,
  ToSandbox,
} from './sandbox-protocol.js';
import { sandboxWorkerUrl } from './sandbox-worker-url.js';

export interface SandboxOptions {
  config: Record<string, Record<string, unknown>>;
  limiter: RateLimiter | undefined;
  clock: Clock;
  /** How long loading the module may take (a top-level endless loop must not hang the host). */
  loadTimeoutMs: number;
  /** Judge each hasher module before it is imported (see safety.ts); absent: import them all. */
  safety?: SafetyOptions | undefined;
  /** The worker died after the plugin loaded (an uncaught error, process.exit): the host fails the plugin. */
  onCrash?: (reason: string) => void;
  /** How long a synchronous call (a format's render, a rule's compare) may block before it is given up. */
  syncTimeoutMs?: number;
}

export interface Sandboxed {
  /** Stands for the plugin in the host: its hooks and contributions call into the worker. */
  definition: PluginDefinition;
  /** Ends the worker (after teardown, or when setup failed). */
  dispose(): Promise<void>;
}

function spawn(): Worker {
  const worker = new Worker(sandboxWorkerUrl, { stdout: false, stderr: false });
  // A spare that fails to boot must not take the host down; its loader finds it dead (and times out).
  worker.on('error', () => undefined);
  return worker;
}

/**
 * Starts sandbox workers. With `warm(true)` (hot reload), one worker is kept booted and idle, so that a reload
 * pays only for importing the plugin, not for starting a thread; an idle worker has no timers and costs no CPU.
 */
export class SandboxFactory {
  #spare: Worker | undefined;
  #warm = false;

  warm(enabled: boolean): void {
    this.#warm = enabled;
    if (enabled) this.#spare ??= spawn();
    else void this.close();
  }

  take(): Worker {
    const worker = this.#spare ?? spawn();
    this.#spare = this.#warm ? spawn() : undefined;
    return worker;
  }

  async close(): Promise<void> {
    const spare = this.#spare;
    this.#spare = undefined;
    await spare?.terminate();
  }
}

/**
 * Loads a file plugin in a worker thread of its own, and returns a definition whose setup, teardown and
 * contributions call into it. Formats and rules are called synchronously (the host blocks on an Atomics flag
 * while the worker answers), detectors and hooks asynchronously. A reload starts a new worker and the old one
 * is terminated, so no version of a plugin outlives its use.
 */
export async function loadSandboxed(
  path: string,
  options: SandboxOptions,
  worker: Worker,
): Promise<Sandboxed | string> {
  const url = pathToFileURL(path).href;
  const flagBuffer = new SharedArrayBuffer(4);
  const flag = new Int32Array(flagBuffer);
  const { port1: syncPort, port2: workerSyncPort } = new MessageChannel();
  worker.postMessage(
    {
      url,
      config: options.config,
      hasLimiter: options.limiter !== undefined,
      ...(options.safety ? { safety: options.safety } : {}),
      flag: flagBuffer,
      syncPort: workerSyncPort,
    },
    [workerSyncPort],
  );
  let exited: string | undefined;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let ctx: PluginContext | undefined;

  let loaded = false;
  const manifest = await new Promise<Manifest | string>((resolve) => {
    const timer = options.clock.setTimer(() => {
      resolve(`cannot load ${path}: loading did not finish within ${options.loadTimeoutMs} ms`);
    }, options.loadTimeoutMs);
    const settle = (value: Manifest | string) => {
      timer.cancel();
      resolve(value);
    };
    worker.on('message', (message: FromSandbox) => {
      switch (message.type) {
        case 'loaded':
          loaded = true;
          settle(message.manifest);
          break;
        case 'load-failed':
          settle(
            message.stage === 'import'
              ? `cannot load ${path}: ${message.error}`
              : `${path}: ${message.error}`,
          );
          break;
        case 'reply': {
          const call = pending.get(message.id);
          pending.delete(message.id);
          if (message.ok) call?.resolve(message.value);
          else call?.reject(new Error(message.error));
          break;
        }
        case 'log':
          ctx?.logger[message.level](message.message);
          break;
        case 'acquire': {
          const answer = (ok: boolean) =>
            worker.postMessage({ type: 'granted', id: message.id, ok } satisfies ToSandbox);
          if (!options.limiter) answer(true);
          else
            options.limiter.acquire(Math.min(message.n, options.limiter.burst)).then(
              () => answer(true),
              () => answer(false),
            );
          break;
        }
      }
    });
    const died = (reason: string) => {
      const first = exited === undefined;
      exited ??= reason;
      settle(`cannot load ${path}: ${exited}`);
      for (const call of pending.values()) call.reject(new Error(exited));
      pending.clear();
      if (first && loaded && !disposed) options.onCrash?.(exited);
    };
    worker.on('error', (error) => died(`its worker failed: ${error.message}`));
    worker.on('exit', (code) => died(`its worker exited (code ${code})`));
  });
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    syncPort.close();
    await worker.terminate();
  };
  if (typeof manifest === 'string') {
    await dispose();
    return manifest;
  }

  const callAsync = (method: 'setup' | 'teardown', args: unknown[]): Promise<unknown> => {
    if (exited !== undefined) return Promise.reject(new Error(`plugin "${manifest.name}": ${exited}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: 'call', id, method, args } satisfies ToSandbox);
    });
  };
  const timeout = options.syncTimeoutMs ?? 60_000;
  let nextSync = 0;
  const callSync = (call: Omit<SyncCall, 'id'>): unknown => {
    if (exited !== undefined) throw new Error(`plugin "${manifest.name}": ${exited}`);
    const id = nextSync++;
    Atomics.store(flag, 0, 0);
    syncPort.postMessage({ ...call, id } satisfies SyncCall);
    // 1: an answer waits on the port; 2: the worker is ending (process.exit in the plugin).
    if (Atomics.wait(flag, 0, 0, timeout) === 'timed-out' || Atomics.load(flag, 0) === 2) {
      // A plugin stuck in a call is given up on for good: its worker ends, and the host fails the plugin.
      exited ??=
        Atomics.load(flag, 0) === 2
          ? 'its worker exited'
          : `${call.method} of "${call.name}" did not answer within ${timeout} ms`;
      void dispose().then(() => options.onCrash?.(exited!));
      throw new Error(`plugin "${manifest.name}": ${exited}`);
    }
    // Only the answer to this call: a late answer to an earlier one is dropped.
    for (let m = receiveMessageOnPort(syncPort); m; m = receiveMessageOnPort(syncPort)) {
      const reply = m.message as SyncReply;
      if (reply.id !== id) continue;
      if (!reply.ok) throw new Error(`plugin "${manifest.name}": ${reply.error}`);
      return reply.value;
    }
    throw new Error(`plugin "${manifest.name}": no answer to ${call.method}`);
  };

  const definition: PluginDefinition = {
    name: manifest.name,
    version: manifest.version,
    api: manifest.api,
    dependsOn: manifest.dependsOn,
    async setup(context) {
      ctx = context;
      const descriptors = (await callAsync('setup', [])) as Descriptor[];
      for (const d of descriptors) register(context, d, callSync);
    },
    async teardown() {
      await callAsync('teardown', []);
    },
  };
  return { definition, dispose };
}

function register(
  ctx: PluginContext,
  d: Descriptor,
  callSync: (call: Omit<SyncCall, 'id'>) => unknown,
): void {
  const about = d.description === undefined ? {} : { description: d.description };
  switch (d.kind) {
    case 'hashers':
      ctx.register.hasher({ name: d.name, module: d.module!, ...about });
      break;
    case 'formats':
      ctx.register.format({
        name: d.name,
        ...about,
        render(report, out) {
          const chunks = callSync({ method: 'render', name: d.name, args: [report] }) as (
            string | Uint8Array
          )[];
          for (const chunk of chunks) out.write(typeof chunk === 'string' ? chunk : Buffer.from(chunk));
        },
      });
      break;
    case 'rules':
      ctx.register.rule({
        name: d.name,
        ...about,
        compare: (a: PhysicalFile, b: PhysicalFile) =>
          callSync({ method: 'compare', name: d.name, args: [a, b] }) as number,
        ...(d.shows
          ? { show: (f: PhysicalFile) => callSync({ method: 'show', name: d.name, args: [f] }) as string }
          : {}),
      });
      break;
    case 'detectors':
      ctx.register.detector({
        name: d.name,
        ...about,
        subject: d.subject!,
        extensions: d.extensions!,
        module: d.module!,
        ...(d.version === undefined ? {} : { version: d.version }),
      });
      break;
  }
}
