// The fingerprinting worker: reads each file once, whole, hashes it (the catalog keys fingerprints by content) and
// hands its bytes to the detector. Runs in the worker pool's threads.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { createHashState, type HashState } from '../hash/hashers.js';
import { portBudget } from '../hash/throttle-port.js';
import { resolveOwnApi } from '../plugins/own-api.js';
import type {
  FingerprintFile,
  FingerprintOutcome,
  FingerprintTask,
  FingerprintWorkerSetup,
} from './fingerprint-task.js';
import type { FingerprintResult } from './types.js';

type Detector = (bytes: Uint8Array, name: string) => Promise<FingerprintResult>;

/** Most bytes of a fingerprint of 64-bit hashes: 9 hashes. */
const MAX_HASH_BYTES = 72;

const setup = workerData as FingerprintWorkerSetup;
// Never through a final link, never waiting on a fifo that stands where a file was (as the hashing worker).
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
const CHUNK = 1 << 20;

// Loaded while the worker starts; no top-level await (see the hashing worker).
const ready: Promise<{ detect: Detector; hasher: HashState }> = (async () => {
  resolveOwnApi();
  const loaded = (await import(setup.detector)) as Record<string, unknown>;
  return {
    detect: await detectorOf(loaded),
    hasher: await createHashState(setup.algorithm, setup.hasher),
  };
})();
ready.catch(() => undefined);

/** The module's function as a fingerprint maker (see DetectorModule). */
async function detectorOf(loaded: Record<string, unknown>): Promise<Detector> {
  const exported = setup.makes === 'text' ? 'text' : 'fingerprint';
  const made = loaded[exported];
  if (typeof made !== 'function') {
    throw new TypeError(`the detector module ${setup.detector} exports no ${exported}()`);
  }
  if (setup.makes === 'fingerprint') return made as Detector;
  if (setup.makes === 'hashes') {
    return async (bytes, name) => {
      // A plugin's answer, checked: it comes from code nodupe does not own.
      const result = (await (made as Detector)(bytes, name)) as { fingerprint?: unknown; problem?: unknown };
      const print = result.fingerprint;
      if (!(print instanceof Uint8Array)) {
        return {
          problem: typeof result.problem === 'string' ? result.problem : 'the detector made no fingerprint',
        };
      }
      if (print.length % 8 !== 0 || print.length < 8 || print.length > MAX_HASH_BYTES) {
        return {
          problem: `the detector made no fingerprint of 1 to 9 hashes of 8 bytes (${print.length} bytes)`,
        };
      }
      return { fingerprint: print };
    };
  }
  // A document's text, fingerprinted as nodupe's own documents are.
  const { textFingerprint } = await import('./docs/doc-fingerprint.js');
  const { encodeFingerprint } = await import('./docs/fingerprint-layout.js');
  return async (bytes, name) => {
    const result = (await (
      made as (b: Uint8Array, n: string) => Promise<{ text: string } | { problem: string }>
    )(bytes, name)) as { text?: unknown; problem?: unknown };
    if (typeof result.text !== 'string') {
      return { problem: typeof result.problem === 'string' ? result.problem : 'the detector read no text' };
    }
    return { fingerprint: encodeFingerprint(textFingerprint(result.text)) };
  };
}

export default async function fingerprintFiles(task: FingerprintTask): Promise<FingerprintOutcome[]> {
  const { detect, hasher } = await ready;
  const budget = task.throttle ? portBudget(task.throttle) : undefined;
  const out: FingerprintOutcome[] = [];
  for (const file of task.files) {
    const read = await readWhole(file, hasher, budget);
    if ('unread' in read) {
      out.push(read);
      continue;
    }
    let made: FingerprintResult;
    try {
      made = await detect(read.bytes, nameOf(file.path));
    } catch (error) {
      made = { problem: `the detector failed: ${(error as Error).message}` };
    }
    out.push({ hash: read.hash, ...made });
  }
  return out;
}

/** The file's bytes and full hash, if it is still the file the catalog describes, before and after the read. */
async function readWhole(
  file: FingerprintFile,
  hasher: HashState,
  budget: ((bytes: number) => Promise<void>) | undefined,
): Promise<{ bytes: Uint8Array; hash: string } | { unread: string }> {
  let fd: number;
  try {
    fd = openSync(Buffer.from(file.path.buffer, file.path.byteOffset, file.path.length), OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { unread: code === 'ELOOP' ? 'no longer a regular file' : `cannot open it (${code ?? 'EIO'})` };
  }
  try {
    if (!sameFile(fd, file)) return { unread: 'changed since it was scanned: scan it again' };
    const bytes = new Uint8Array(file.size);
    hasher.reset();
    for (let done = 0; done < file.size;) {
      const want = Math.min(CHUNK, file.size - done);
      if (budget) await budget(want);
      const got = readSync(fd, bytes, done, want, done);
      if (got === 0) break;
      hasher.update(bytes.subarray(done, done + got));
      done += got;
    }
    if (!sameFile(fd, file)) return { unread: 'changed while it was read: scan it again' };
    return { bytes, hash: hasher.digest() };
  } catch (error) {
    return { unread: `cannot read it (${(error as NodeJS.ErrnoException).code ?? 'EIO'})` };
  } finally {
    closeSync(fd);
  }
}

function sameFile(fd: number, file: FingerprintFile): boolean {
  const st = fstatSync(fd, { bigint: true });
  return (
    st.isFile() &&
    st.dev === file.dev &&
    st.ino === file.ino &&
    Number(st.size) === file.size &&
    st.mtimeNs === file.mtimeNs &&
    st.ctimeNs === file.ctimeNs
  );
}

/** The last segment of a path's bytes, as text (for the extension). */
function nameOf(path: Uint8Array): string {
  const slash = path.lastIndexOf(0x2f);
  return Buffer.from(path.subarray(slash + 1)).toString('utf8');
}
