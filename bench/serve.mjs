// Serve: `groups` page requests against `nodupe serve` over a catalog of FILES (default 100,000) files of the scale
// tree (about 30 % copies), from autocannon in this process: CONNECTIONS (32) connections for SECONDS (5) per round,
// ROUNDS (5) rounds. Each round also runs the peer: a bare node:http server answering the same page's bytes from
// memory (the floor of HTTP and of the load generator on this machine), alternating. Then the same load while the
// server scans a second tree of 3 x FILES files (a scan job in its own thread), and while another client asks for
// the costliest path filters the glob bounds allow: reads must not stall. Medians of p50, p99 and
// requests/s; the server's RSS (now and peak). Targets: p99 at most 50 ms, RSS at most 300 MB.
//
//   npm run bench:serve
//   FILES=20000 ROUNDS=3 npm run bench:serve
//
// Trees and catalogs live in $NODUPE_BENCH_DIR (default: the system temp folder, nodupe-bench/).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { ensureCorpus } from './corpus.mjs';
import { benchDir, emit, median, NODUPE_BIN, removeCatalog, round, sleep } from './lib.mjs';

const FILES = Number(process.env.FILES ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);
const PAGE = 100;
const TARGET_P99_MS = 50;
const TARGET_RSS_MB = 300;

/** Starts `nodupe serve` and resolves with its URL, token and process once it prints its URL line. */
function startServer(catalog, runtime) {
  const child = spawn(
    process.execPath,
    [NODUPE_BIN, 'serve', '--catalog', catalog, '--port', '0', '--request-rate', '1000000'],
    {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: join(runtime, 'data') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`nodupe serve exited ${code} before it printed its URL`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      // The printed page sends a browser on to the server; scripts use the token in the runtime folder.
      if (!line.startsWith('file://')) return;
      const page = readFileSync(fileURLToPath(line), 'utf8');
      const origin = /url=(http:\/\/[^/"]+)\//.exec(page)[1];
      const token = readFileSync(join(runtime, 'nodupe', 'token'), 'utf8').trim();
      resolve({ child, origin, token });
    });
  });
}

async function rpc(server, method, params = {}) {
  const response = await fetch(`${server.origin}/rpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = await response.json();
  if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

/** The bodies of the first pages of groups (cursors from the pages before), to spread requests over them. */
async function pageBodies(server, pages) {
  const bodies = [];
  let cursor;
  for (let i = 0; i < pages; i++) {
    const params = { limit: PAGE, ...(cursor === undefined ? {} : { cursor }) };
    bodies.push(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'groups', params }));
    const result = await rpc(server, 'groups', params);
    if (result.next === null) break;
    cursor = result.next;
  }
  return bodies;
}

function load(url, headers, bodies) {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            setupRequest: (request) => ({ ...request, body: bodies[i++ % bodies.length] }),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const figures = (r) => ({
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  rps: round(r.requests.average, 0),
  non2xx: r.non2xx,
  errors: r.errors,
});

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rssMb: round(kb('VmRSS') / 1024, 1), peakRssMb: round(kb('VmHWM') / 1024, 1) };
}

/** The floor: the same answer bytes from memory, on a bare node:http server. */
async function startFloor(answer) {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      response.end(answer);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}/rpc` };
}

async function main() {
  const work = benchDir();
  const corpus = ensureCorpus(join(work, `corpus-flat-${FILES}`), { files: FILES, flat: true });
  // The tree scanned during the load: three times as large, so that the scan outlasts a round of load.
  const other = ensureCorpus(join(work, `corpus-flat-${3 * FILES}`), { files: 3 * FILES, flat: true });
  emit({ bench: 'serve/corpus', files: corpus.files, root: corpus.root, generated: corpus.generated });
  const catalog = join(work, 'catalog-serve.db');
  removeCatalog(catalog);
  const scanned = spawnSync(process.execPath, [NODUPE_BIN, 'scan', corpus.root, '--catalog', catalog, '-q']);
  if (scanned.status !== 0) throw new Error(`scan failed: ${scanned.stderr}`);

  const runtime = mkdtempSync(join(work, 'serve-runtime-'));
  const server = await startServer(catalog, runtime);
  try {
    const stats = await rpc(server, 'stats');
    emit({ bench: 'serve/catalog', files: stats.files, groups: stats.groups });
    const bodies = await pageBodies(server, 20);
    const floor = await startFloor(
      Buffer.from(
        JSON.stringify({ jsonrpc: '2.0', id: 1, result: await rpc(server, 'groups', { limit: PAGE }) }),
      ),
    );
    const auth = { authorization: `Bearer ${server.token}` };
    const runs = { nodupe: [], floor: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? ['nodupe', 'floor'] : ['floor', 'nodupe'];
      for (const peer of order) {
        const result =
          peer === 'nodupe'
            ? await load(`${server.origin}/rpc`, auth, bodies)
            : await load(floor.url, {}, bodies);
        runs[peer].push(figures(result));
      }
    }
    floor.server.close();
    const med = (peer, key) => median(runs[peer].map((f) => f[key]));
    const idle = {
      p50Ms: med('nodupe', 'p50Ms'),
      p99Ms: med('nodupe', 'p99Ms'),
      rps: med('nodupe', 'rps'),
      floorP50Ms: med('floor', 'p50Ms'),
      floorP99Ms: med('floor', 'p99Ms'),
      floorRps: med('floor', 'rps'),
      failures: runs.nodupe.reduce((n, f) => n + f.non2xx + f.errors, 0),
    };
    emit({
      bench: 'serve/groups',
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
      ...idle,
      p99VsFloor: round(idle.p99Ms / Math.max(idle.floorP99Ms, 1), 2),
      rpsVsFloor: round(idle.rps / idle.floorRps, 2),
      ...rssMb(server.child.pid),
      targetP99Ms: TARGET_P99_MS,
      targetRssMb: TARGET_RSS_MB,
      runs,
    });

    // The same load while another client asks, one after another, for the costliest path filters within the
    // glob bounds (64 brace alternatives of 7 wildcards each; a new one each time, so none is answered from memory).
    const hostile = (n) => `**/${`{*${String.fromCharCode(97 + (n % 26))},*${n}}`.repeat(6)}`;
    let globs = 0;
    const globMs = [];
    let loading = true;
    const asking = (async () => {
      while (loading) {
        const t = performance.now();
        await rpc(server, 'groups', { path: hostile(globs++), limit: PAGE });
        globMs.push(performance.now() - t);
      }
    })();
    const duringGlobs = figures(await load(`${server.origin}/rpc`, auth, bodies));
    loading = false;
    await asking;
    emit({
      bench: 'serve/groups-during-globs',
      ...duringGlobs,
      globRequests: globs,
      globMedianMs: round(median(globMs), 0),
      p99VsIdle: round(duringGlobs.p99Ms / Math.max(idle.p99Ms, 1), 2),
    });

    // The same load while a scan of another tree runs in the server.
    const job = await rpc(server, 'scan', { paths: [other.root] });
    const started = performance.now();
    const during = figures(await load(`${server.origin}/rpc`, auth, bodies));
    const after = await rpc(server, 'job', { id: job.id });
    let state = after.state;
    while (state === 'running') {
      await sleep(200);
      state = (await rpc(server, 'job', { id: job.id })).state;
    }
    emit({
      bench: 'serve/groups-during-scan',
      ...during,
      scanRunningThroughout: after.state === 'running',
      scanState: state,
      scanS: round((performance.now() - started) / 1000, 2),
      p99VsIdle: round(during.p99Ms / Math.max(idle.p99Ms, 1), 2),
      ...rssMb(server.child.pid),
    });
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((resolve) => server.child.once('exit', resolve));
    rmSync(runtime, { recursive: true, force: true });
  }
}

await main();
