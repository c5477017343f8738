// Plugin hot reload: latency from a write to the new version active (fs.watch and polling), the CPU an idle
// watcher uses, and the memory 1,000 reloads leave behind (every reload is a fresh ES module).
//
//   npm run bench:plugins            REWRITES=200 RELOADS=1000 POLL_MS=100 npm run bench:plugins
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PluginHost, HotReloader, systemClock } from 'nodupe';
import { cpuMs, emit, median, percentile, round, sleep } from './lib.mjs';

const REWRITES = Number(process.env.REWRITES ?? 200);
const RELOADS = Number(process.env.RELOADS ?? 1000);
const POLL_MS = Number(process.env.POLL_MS ?? 100);

/** A plugin of realistic size (~3 KB: a format with some helpers), different in every version. */
const source = (version) => `// version ${version}
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escape = (t) => String(t).replace(/[&<>"]/g, (c) => ENTITIES[c]);
function size(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? v + ' B' : v.toFixed(1) + ' ' + units[u];
}
${Array.from({ length: 40 }, (_, i) => `export function helper${i}(x) { return escape(size(x * ${i + 1})) + '${version}'; }`).join('\n')}
export default {
  name: 'bench-plugin',
  version: '1.0.${version}',
  api: '^1',
  provides: { formats: [{ name: 'bench', render: (report, out) => out.write(helper0(1) + ' ${version}') }] },
};
`;

async function latency(poll) {
  const dir = mkdtempSync(join(tmpdir(), 'nodupe-plugins-'));
  const file = join(dir, 'bench.mjs');
  writeFileSync(file, source(0));
  const host = new PluginHost({ clock: systemClock });
  await host.start([{ path: file }]);
  const reloader = new HotReloader({
    host,
    folders: [dir],
    clock: systemClock,
    ...(poll ? { poll: true, pollIntervalMs: POLL_MS } : {}),
  });
  const backend = reloader.start();
  const samples = [];
  let failures = 0;
  for (let i = 1; i <= REWRITES; i++) {
    // Writes land at a random point of the polling cycle (and of nothing in particular for fs.watch).
    await sleep(Math.random() * (poll ? POLL_MS : 20));
    const reloaded = new Promise((resolve) => {
      const off = host.on((e) => {
        if (e.type === 'reloaded' || e.type === 'failed') {
          off();
          resolve(e);
        }
      });
    });
    const start = performance.now();
    writeFileSync(file, source(i));
    const event = await reloaded;
    samples.push(performance.now() - start);
    if (event.type !== 'reloaded' || event.to !== `1.0.${i}`) failures++;
  }
  reloader.close();
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
  const p99 = percentile(samples, 99);
  const target = poll ? POLL_MS + 100 : 300;
  emit({
    bench: 'plugins/reload-latency',
    backend,
    rewrites: REWRITES,
    ...(poll ? { intervalMs: POLL_MS } : {}),
    p50Ms: round(median(samples), 1),
    p99Ms: round(p99, 1),
    maxMs: round(Math.max(...samples), 1),
    wrongVersion: failures,
    targetP50Ms: poll ? undefined : 100,
    targetP99Ms: target,
    pass: failures === 0 && p99 <= target && (poll || median(samples) <= 100),
  });
}

async function idleCpu() {
  const dir = mkdtempSync(join(tmpdir(), 'nodupe-plugins-'));
  writeFileSync(join(dir, 'bench.mjs'), source(0));
  const measure = async (withWatcher, poll) => {
    const host = new PluginHost({ clock: systemClock });
    await host.start([{ path: join(dir, 'bench.mjs') }]);
    const reloader = withWatcher
      ? new HotReloader({
          host,
          folders: [dir],
          clock: systemClock,
          ...(poll ? { poll: true, pollIntervalMs: 500 } : {}),
        })
      : undefined;
    reloader?.start();
    await sleep(200);
    const since = process.cpuUsage();
    // A timer that wakes once at the end: the process is otherwise idle.
    await sleep(5000);
    const used = cpuMs(since);
    reloader?.close();
    await host.stop();
    return used;
  };
  const without = await measure(false);
  const inotify = await measure(true, false);
  const polling = await measure(true, true);
  rmSync(dir, { recursive: true, force: true });
  emit({
    bench: 'plugins/idle-watcher',
    seconds: 5,
    cpuMsNoWatcher: round(without, 2),
    cpuMsFsWatch: round(inotify, 2),
    cpuMsPolling500ms: round(polling, 2),
    targetCpuMs: 5,
    pass: inotify <= 5,
  });
}

async function memory() {
  const dir = mkdtempSync(join(tmpdir(), 'nodupe-plugins-'));
  const file = join(dir, 'bench.mjs');
  writeFileSync(file, source(0));
  const host = new PluginHost({ clock: systemClock });
  await host.start([{ path: file }]);
  const rss = () => {
    globalThis.gc?.();
    return process.memoryUsage().rss / 2 ** 20;
  };
  for (let i = 1; i <= 50; i++) {
    writeFileSync(file, source(i));
    await host.reloadFile(file);
  }
  const before = rss();
  const start = performance.now();
  for (let i = 51; i <= 50 + RELOADS; i++) {
    writeFileSync(file, source(i));
    await host.reloadFile(file);
  }
  const ms = performance.now() - start;
  const after = rss();
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
  emit({
    bench: 'plugins/reload-memory',
    reloads: RELOADS,
    pluginBytes: source(1).length,
    msPerReload: round(ms / RELOADS, 2),
    rssBeforeMB: round(before, 1),
    rssAfterMB: round(after, 1),
    rssGrowthMB: round(after - before, 1),
    gc: typeof globalThis.gc === 'function',
    targetGrowthMB: 20,
    pass: after - before <= 20,
  });
}

await latency(false);
await latency(true);
await idleCpu();
await memory();
