// A throwaway PostgreSQL cluster for the tests that need a server (test/setup/postgres.ts starts one per test
// run), without systemd: Debian's pg_createcluster makes it, its own pg_ctl starts it (pg_ctlcluster would poll
// in half-second steps, two seconds more), pg_dropcluster removes it. Runs as root; the server runs as the
// postgres user. The unix socket takes only peer login, so a password role `nodupe` owns a database
// `nodupe_test`, reached over TCP on 127.0.0.1. Only clusters this script made (a marker file in the cluster's
// configuration folder says so) are ever stopped or dropped.
//   node scripts/postgres.mjs start   makes the cluster `nodupe_test`; prints postgres://nodupe:…@127.0.0.1:PORT/nodupe_test
//   node scripts/postgres.mjs stop    drops it
//   node scripts/postgres.mjs check   prints PostgreSQL's bin folder, or says what to install and exits 1
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL_HINT = 'apt-get install -y postgresql';
/** The cluster `start` and `stop` make and drop from the command line. */
export const CLI_CLUSTER = 'nodupe_test';
const VERSIONS = '/usr/lib/postgresql';
const MARKER = 'nodupe-test-cluster';
/** The cluster's settings, in its conf.d folder. */
const SETTINGS = 'nodupe-test.conf';

/**
 * The newest PostgreSQL server installed the Debian way, or undefined.
 * @returns {{ version: string, bin: string } | undefined}
 */
export function findPostgres() {
  let versions;
  try {
    versions = readdirSync(VERSIONS).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const found = versions
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => ({ version, bin: join(VERSIONS, version, 'bin') }))
    .find(({ bin }) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
  return found !== undefined && commandExists('pg_createcluster') ? found : undefined;
}

/**
 * Why no cluster can be started here (not installed, or not root), or undefined when one can.
 * @returns {string | undefined}
 */
export function postgresUnavailable() {
  if (findPostgres() === undefined) return `no PostgreSQL server installed (${INSTALL_HINT})`;
  if (process.getuid?.() !== 0) return 'starting a PostgreSQL cluster for the tests needs root';
  return undefined;
}

/**
 * Makes and starts the cluster `name` on a free port, with the role and database the tests use, and returns
 * their URL. A cluster of the same name that this script made (a crashed run's) is dropped first, and so is one
 * whose owner process has gone. `owner`: the process whose run the cluster serves, when it is not the command line.
 * @param {string} name
 * @param {number} [owner]
 * @param {{ durable?: boolean }} [options] durable: the server syncs to disk as a real one does (benchmarks)
 * @returns {Promise<string>}
 */
export async function startCluster(name, owner, { durable = false } = {}) {
  const postgres = findPostgres();
  const unavailable = postgresUnavailable();
  if (postgres === undefined || unavailable !== undefined) throw new Error(unavailable);
  dropLeftovers(name);
  const port = await freePort();
  const cluster = createCluster(postgres.version, name, port, owner, durable);
  startServer(postgres.bin, cluster);
  const password = randomBytes(18).toString('hex');
  asPostgres('psql', [
    ...['--cluster', `${cluster.version}/${name}`, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'postgres'],
    ...['-c', `CREATE ROLE nodupe LOGIN CREATEDB PASSWORD '${password}'`],
    ...['-c', 'CREATE DATABASE nodupe_test OWNER nodupe'],
  ]);
  return `postgres://nodupe:${password}@127.0.0.1:${port}/nodupe_test`;
}

/**
 * Drops the clusters this script made that are in the way: one named `name`, and those whose owner has gone.
 * @param {string} name
 */
function dropLeftovers(name) {
  for (const cluster of listClusters()) {
    const marker = readMarker(cluster);
    if (marker === undefined) {
      if (cluster.name !== name) continue;
      throw new Error(`a cluster ${name} exists that the tests did not make: left alone`);
    } else if (cluster.name === name || (marker.owner !== undefined && !alive(marker.owner))) {
      dropCluster(cluster);
    }
  }
}

/**
 * Makes the cluster, marked as this script's: text sorts by byte, it listens on 127.0.0.1 only, and, unless
 * `durable`, nothing is synced to disk (it is thrown away after the run).
 * @param {string} version
 * @param {string} name
 * @param {number} port
 * @param {number | undefined} owner
 * @param {boolean} durable
 * @returns {Cluster}
 */
function createCluster(version, name, port, owner, durable) {
  const initdb = ['--no-sync', '--encoding=UTF8', '--locale=C'];
  run('pg_createcluster', [version, name, '--port', String(port), '--', ...initdb]);
  const cluster = listClusters().find((found) => found.name === name && found.version === version);
  if (cluster === undefined) throw new Error(`pg_createcluster made no cluster ${version}/${name}`);
  const config = configFolder(cluster);
  writeFileSync(join(config, MARKER), owner === undefined ? '' : `${owner}\n`);
  const settings = `listen_addresses = '127.0.0.1'\n${durable ? '' : 'fsync = off\n'}`;
  writeFileSync(join(config, 'conf.d', SETTINGS), settings);
  return cluster;
}

/**
 * Starts the cluster's server and waits until it takes connections; a failure tells what the server logged.
 * @param {string} bin
 * @param {Cluster} cluster
 */
function startServer(bin, cluster) {
  const config = `-c config_file=${join(configFolder(cluster), 'postgresql.conf')}`;
  const args = ['start', '-w', '-s', '-D', cluster.data, '-l', cluster.log, '-o', config];
  try {
    asPostgres(join(bin, 'pg_ctl'), args);
  } catch (error) {
    const log = existsSync(cluster.log) ? readFileSync(cluster.log, 'utf8') : '';
    throw new Error(`${/** @type {Error} */ (error).message.trim()}\n${log}`, { cause: error });
  }
}

/**
 * Stops and drops the cluster `name` if this script made it; does nothing when there is none.
 * @param {string} name
 */
export function stopCluster(name) {
  for (const cluster of listClusters().filter((found) => found.name === name)) {
    if (readMarker(cluster) === undefined)
      throw new Error(`the cluster ${name} was not made by the tests: left alone`);
    dropCluster(cluster);
  }
}

/** @typedef {{ version: string, name: string, port: number, data: string, log: string }} Cluster */

/** @returns {Cluster[]} */
function listClusters() {
  return run('pg_lsclusters', ['--no-header'])
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [version = '', name = '', port = '', , , data = '', log = ''] = line.trim().split(/\s+/);
      return { version, name, port: Number(port), data, log };
    });
}

/** @param {Cluster} cluster */
function configFolder(cluster) {
  return join('/etc/postgresql', cluster.version, cluster.name);
}

/**
 * The marker of a cluster this script made (with the owner process, when it has one), or undefined.
 * @param {Cluster} cluster
 * @returns {{ owner: number | undefined } | undefined}
 */
function readMarker(cluster) {
  let text;
  try {
    text = readFileSync(join(configFolder(cluster), MARKER), 'utf8').trim();
  } catch {
    return undefined;
  }
  return { owner: text === '' ? undefined : Number(text) };
}

/** @param {Cluster} cluster */
function dropCluster(cluster) {
  run('pg_dropcluster', [cluster.version, cluster.name, '--stop']);
  // pg_dropcluster leaves the configuration folder where it finds files it did not write: this script's.
  const config = configFolder(cluster);
  for (const file of [join(config, 'conf.d', SETTINGS), join(config, MARKER)]) rmSync(file, { force: true });
  for (const folder of [join(config, 'conf.d'), config]) {
    try {
      rmdirSync(folder);
    } catch {
      // Gone already, or holds something else: left as it is.
    }
  }
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's.
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM';
  }
}

/** @returns {Promise<number>} a TCP port on 127.0.0.1 that nothing listens on */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** @param {string} name */
function commandExists(name) {
  return (process.env.PATH ?? '')
    .split(':')
    .some((folder) => folder !== '' && existsSync(join(folder, name)));
}

/**
 * Runs a command and returns its stdout; a failure says what it printed.
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (error);
    throw new Error(
      `${command} ${args.join(' ')} failed: ${failed.stderr || failed.stdout || failed.message}`,
      { cause: error },
    );
  }
}

/**
 * Runs a command as the postgres user (the server refuses root; the socket takes it by peer login).
 * @param {string} command
 * @param {string[]} args
 */
function asPostgres(command, args) {
  return run('runuser', ['-u', 'postgres', '--', command, ...args]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  try {
    if (command === 'start') {
      console.log(await startCluster(CLI_CLUSTER));
    } else if (command === 'stop') {
      stopCluster(CLI_CLUSTER);
    } else if (command === 'check') {
      const found = findPostgres();
      if (found === undefined) throw new Error(`no PostgreSQL server installed: ${INSTALL_HINT}`);
      console.log(found.bin);
    } else {
      throw new Error('usage: node scripts/postgres.mjs start|stop|check');
    }
  } catch (error) {
    console.error(`postgres: ${/** @type {Error} */ (error).message.trim()}`);
    process.exitCode = 1;
  }
}
