// A plugin's sandbox: one worker thread per loaded version of a file plugin. Terminating it frees everything
// the version loaded, so reloads do not pile up modules in the host.
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import type {
  DetectorContribution,
  FormatContribution,
  PluginContext,
  PluginDefinition,
  RuleContribution,
} from './api.js';
import { PLUGIN_API_VERSION } from './api.js';
import { apiSatisfies, checkContribution, checkManifest } from './manifest.js';
import { resolveOwnApi } from './own-api.js';
import { restoreBuffers } from './plugin-paths.js';
import { unsafePlugin } from './safety.js';
import type {
  Descriptor,
  FromSandbox,
  SandboxData,
  SyncCall,
  SyncReply,
  ToSandbox,
} from './sandbox-protocol.js';

// Before anything imports a plugin (a warm spare pays for it while idle).
resolveOwnApi();

const port = parentPort!;
// A sandbox may be started ahead of need (a warm spare for hot reload): it learns which plugin to load from
// its first message.
const [data] = (await once(port, 'message')) as [SandboxData & { syncPort: MessagePort }];
const flag = new Int32Array(data.flag);
const send = (message: FromSandbox) => port.postMessage(message);
const describeError = (error: unknown) =>
  error instanceof Error
    ? error.name === 'Error'
      ? error.message
      : `${error.name}: ${error.message}`
    : String(error);

const formats = new Map<string, FormatContribution>();
const rules = new Map<string, RuleContribution>();
const descriptors: Descriptor[] = [];
const grants = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let nextGrant = 0;

function add(kind: Descriptor['kind'], item: unknown): void {
  checkContribution(`plugin "${definition?.name ?? '?'}"`, kind, item);
  const c = item as { name: string; description?: string; module?: string; show?: unknown };
  const descriptor: Descriptor = {
    kind,
    name: c.name,
    ...(c.description === undefined ? {} : { description: c.description }),
  };
  if (kind === 'hashers') descriptor.module = new URL(c.module!, data.url).href;
  if (kind === 'formats') formats.set(c.name, item as FormatContribution);
  if (kind === 'rules') {
    rules.set(c.name, item as RuleContribution);
    descriptor.shows = typeof c.show === 'function';
  }
  if (kind === 'detectors') {
    const d = item as DetectorContribution;
    Object.assign(descriptor, {
      module: new URL(d.module, data.url).href,
      subject: d.subject,
      extensions: [...d.extensions],
      ...(d.version === undefined ? {} : { version: d.version }),
    });
  }
  descriptors.push(descriptor);
}

let definition: PluginDefinition | undefined;
let loaded: { default?: unknown } | undefined;
try {
  loaded = (await import(data.url)) as { default?: unknown };
} catch (error) {
  send({ type: 'load-failed', stage: 'import', error: describeError(error) });
}
if (loaded) {
  try {
    if (loaded.default === undefined)
      throw new Error('it has no default export (export default definePlugin({...}))');
    checkManifest(loaded.default);
    definition = loaded.default;
    if (!apiSatisfies(PLUGIN_API_VERSION, definition.api)) {
      throw new Error(
        `plugin "${definition.name}" needs plugin API "${definition.api}", but this nodupe provides ${PLUGIN_API_VERSION}`,
      );
    }
    send({
      type: 'loaded',
      manifest: {
        name: definition.name,
        version: definition.version,
        api: definition.api,
        dependsOn: definition.dependsOn ?? [],
      },
    });
  } catch (error) {
    send({ type: 'load-failed', stage: 'manifest', error: (error as Error).message });
  }
}

const ctx = (): PluginContext => ({
  name: definition!.name,
  logger: {
    info: (message) => send({ type: 'log', level: 'info', message }),
    warn: (message) => send({ type: 'log', level: 'warn', message }),
    error: (message) => send({ type: 'log', level: 'error', message }),
  },
  config: Object.freeze({ ...(data.config[definition!.name] ?? {}) }),
  clock: systemClock,
  limiter: data.hasLimiter
    ? {
        acquire: (n: number) =>
          new Promise<void>((resolve, reject) => {
            const id = nextGrant++;
            grants.set(id, { resolve, reject });
            send({ type: 'acquire', id, n });
          }),
      }
    : undefined,
  register: {
    hasher: (h) => add('hashers', h),
    format: (f) => add('formats', f),
    rule: (r) => add('rules', r),
    detector: (d) => add('detectors', d),
  },
});

async function call(method: string): Promise<unknown> {
  switch (method) {
    case 'setup': {
      const provides = definition!.provides ?? {};
      for (const kind of ['hashers', 'formats', 'rules', 'detectors'] as const) {
        for (const item of provides[kind] ?? []) add(kind, item);
      }
      await definition!.setup?.(ctx());
      for (const d of descriptors) if (d.kind === 'hashers') await checkHasherModule(d.name, d.module!);
      return descriptors;
    }
    case 'teardown':
      await definition!.teardown?.();
      return undefined;
    default:
      throw new Error(`unknown call ${method}`);
  }
}

port.on('message', (message: ToSandbox) => {
  if (message.type === 'granted') {
    const grant = grants.get(message.id);
    grants.delete(message.id);
    if (message.ok) grant?.resolve();
    else grant?.reject(new Error('the read budget was cancelled'));
    return;
  }
  call(message.method).then(
    (value) => send({ type: 'reply', id: message.id, ok: true, value }),
    (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: describeError(error) }),
  );
});

/** Synchronous calls: the host waits on the flag; the answer goes on the sync port before the flag is raised. */
data.syncPort.on('message', (message: SyncCall) => {
  let reply: SyncReply;
  try {
    reply = { id: message.id, ok: true, value: answer({ ...message, args: restoreBuffers(message.args) }) };
  } catch (error) {
    reply = { id: message.id, ok: false, error: describeError(error) };
  }
  try {
    data.syncPort.postMessage(reply);
  } catch (error) {
    // An answer that cannot cross threads (a function, say) is an error, not silence.
    data.syncPort.postMessage({
      id: message.id,
      ok: false,
      error: `its answer cannot be sent: ${describeError(error)}`,
    });
  }
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});

// A plugin that ends its thread (process.exit) wakes a host waiting on a synchronous answer.
process.on('exit', () => {
  Atomics.store(flag, 0, 2);
  Atomics.notify(flag, 0);
});

function answer({ method, name, args }: SyncCall): unknown {
  switch (method) {
    case 'render': {
      const chunks: (string | Uint8Array)[] = [];
      formats.get(name)!.render(args[0] as never, { write: (chunk) => void chunks.push(chunk) });
      return chunks;
    }
    case 'compare':
      return rules.get(name)!.compare(args[0] as never, args[1] as never);
    case 'show':
      return rules.get(name)!.show?.(args[0] as never) ?? '';
  }
}

/**
 * The hashing workers will import a hasher's module: check it here, at load, so that a broken hasher fails its
 * plugin with a clear reason instead of failing every file a scan reads.
 */
async function checkHasherModule(name: string, module: string): Promise<void> {
  // It runs in nodupe's own hashing workers: judged as the plugin file was, before anything imports it.
  const refused =
    data.safety && module.startsWith('file:') ? unsafePlugin(fileURLToPath(module), data.safety) : undefined;
  if (refused !== undefined) throw new Error(`hasher "${name}": ${refused}`);
  const problem = `hasher "${name}": its module ${module} must export createHashState() returning { reset(), update(bytes), digest() }`;
  const loaded = (await import(module)) as { createHashState?: unknown };
  if (typeof loaded.createHashState !== 'function') throw new Error(problem);
  const state = (await (loaded.createHashState as () => unknown)()) as Record<string, unknown> | null;
  if (!state || !['reset', 'update', 'digest'].every((m) => typeof state[m] === 'function')) {
    throw new Error(problem);
  }
}
