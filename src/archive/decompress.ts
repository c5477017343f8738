import { spawn } from 'node:child_process';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ArchiveFile } from './archive-file.js';
import { ArchiveStop } from './caps.js';
import type { ArchiveFormat } from './listing.js';
import { findProgram } from './programs.js';

/** A stream of inflated bytes, and how to end it early (a cap passed, damage found). */
export interface Inflated {
  bytes: Readable;
  /** Resolves once the decompressor has ended; rejects with why it failed (a program's exit status). */
  ended: Promise<void>;
  stop(): void;
}

/** The Debian program that decompresses each format not in zlib, and its package. */
const PROGRAMS = {
  'tar.bz2': { program: 'bzip2', debian: 'bzip2' },
  'tar.xz': { program: 'xz', debian: 'xz-utils' },
  'tar.zst': { program: 'zstd', debian: 'zstd' },
} as const;

/**
 * The archive's stored bytes, inflated: a plain tar as it is, gzip by zlib, bzip2, xz and zstd by Debian's
 * programs through a pipe (nothing is written to disk). Throws an {@link ArchiveStop} 'unsupported' when the
 * program is not installed.
 */
export function inflate(file: ArchiveFile, format: Exclude<ArchiveFormat, 'zip' | '7z'>): Inflated {
  const stored = file.stream();
  if (format === 'tar') {
    return {
      bytes: stored,
      ended: new Promise((resolve) => stored.once('close', resolve)),
      stop: () => stored.destroy(),
    };
  }
  if (format === 'tar.gz') {
    const gunzip = createGunzip();
    const ended = new Promise<void>((resolve, reject) =>
      pipeline(stored, gunzip, (error) => (error ? reject(corrupt(error.message)) : resolve())),
    );
    ended.catch(() => undefined);
    return { bytes: gunzip, ended, stop: () => gunzip.destroy() };
  }
  const { program, debian } = PROGRAMS[format];
  const path = findProgram([program]);
  if (path === undefined) {
    stored.destroy();
    throw new ArchiveStop('unsupported', `${format} is unsupported here: install ${debian} (${program})`);
  }
  const child = spawn(path, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr = (stderr + text).slice(0, 500)));
  // The program may stop reading first (damage found, or stopped by us): that is its exit status's to tell.
  pipeline(stored, child.stdin, () => undefined);
  const ended = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(corrupt(`${program}: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(corrupt(`${program} -dc: ${stderr.trim() || `exit ${code ?? signal}`}`));
    });
  });
  ended.catch(() => undefined);
  return {
    bytes: child.stdout,
    ended,
    stop: () => {
      stored.destroy();
      child.kill('SIGKILL');
    },
  };
}

function corrupt(message: string): ArchiveStop {
  return new ArchiveStop('corrupt', message);
}
