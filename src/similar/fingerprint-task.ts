import type { MessagePort } from 'node:worker_threads';
import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FingerprintResult } from './types.js';

/**
 * What a detector's module exports: `fingerprint(bytes, name)` making the fingerprint the detector compares itself
 * (the built-in ones), `fingerprint` making 64-bit hashes (a plugin's picture detector: checked, compared by
 * Hamming distance), or `text(bytes, name)`, whose text nodupe fingerprints as a document (a plugin's).
 */
export type DetectorModule = 'fingerprint' | 'hashes' | 'text';

/** What every fingerprinting worker loads once: the detector's module and the catalog's hash. */
export interface FingerprintWorkerSetup {
  /** File URL of the detector's module. */
  detector: string;
  /** What the module exports (see DetectorModule). */
  makes: DetectorModule;
  algorithm: HashAlgorithm;
  /** A hasher plugin's module, when the algorithm is one. */
  hasher?: string;
}

/** One file to read, as the catalog knows it: read only if it still is that file. */
export interface FingerprintFile {
  path: Uint8Array;
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface FingerprintTask {
  files: FingerprintFile[];
  /** Asks the main thread's rate limiter before each read (see throttleChannel). */
  throttle?: MessagePort;
}

/** What became of one file: its full hash and fingerprint, or why not (the file is left as it was). */
export type FingerprintOutcome = ({ hash: string } & FingerprintResult) | { unread: string };
