import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { replaceWhole } from '../fs/durable.js';
import { errnoOf, nodeFileOps } from '../fs/file-ops.js';

/** A hash that may name a cache file: letters, digits, `_` and `-` only (hex for every built-in hasher). */
const SAFE_HASH = /^[0-9A-Za-z_-]{8,128}$/;

/**
 * Thumbnails kept on disk by content hash, so that an image is decoded once whichever path shows it, in this run
 * or the next: `<folder>/<first two characters of the hash>/<hash>-<edge>.webp`. The subfolders keep each folder
 * small (a durable write lists the folder it writes in, to clear a killed writer's leftovers). The folder is
 * private (0700): thumbnails show what the user's files hold. When it cannot be made private, or is not this
 * user's, nothing is cached and previews are made each time.
 */
export class ThumbCache {
  readonly #folder: string;
  readonly #clock: Clock;
  #usable: boolean | undefined;

  constructor(folder: string, clock: Clock) {
    this.#folder = folder;
    this.#clock = clock;
  }

  /** The cached thumbnail for a content hash, if there is one. */
  get(hash: string | undefined, edge: number): Buffer | undefined {
    const path = this.#pathOf(hash, edge);
    if (path === undefined || !this.#ready()) return undefined;
    try {
      return readFileSync(path);
    } catch {
      return undefined; // not cached yet (or unreadable: made again)
    }
  }

  /** Keeps a thumbnail, whole or not at all. A failure (disk full) only means it is made again next time. */
  put(hash: string | undefined, edge: number, body: Uint8Array): void {
    const path = this.#pathOf(hash, edge);
    if (path === undefined || !this.#ready()) return;
    try {
      mkdirSync(join(path, '..'), { mode: 0o700 });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') return;
    }
    try {
      replaceWhole(nodeFileOps, path, body, undefined, this.#clock);
    } catch {
      // Not cached: nothing is lost but time.
    }
  }

  #pathOf(hash: string | undefined, edge: number): string | undefined {
    if (hash === undefined || !SAFE_HASH.test(hash)) return undefined;
    return join(this.#folder, hash.slice(0, 2), `${hash}-${edge}.webp`);
  }

  /** Makes the folder (0700) once; usable when it is a folder of this user's that only this user can enter. */
  #ready(): boolean {
    if (this.#usable !== undefined) return this.#usable;
    this.#usable = false;
    try {
      mkdirSync(this.#folder, { recursive: true, mode: 0o700 });
      const st = nodeFileOps.lstat(this.#folder);
      if (!st.isDirectory() || st.uid !== BigInt(process.getuid?.() ?? 0)) return false;
      if ((st.mode & 0o077n) !== 0n) nodeFileOps.chmod(this.#folder, 0o700);
      this.#usable = true;
    } catch {
      // Unusable: previews still work, uncached.
    }
    return this.#usable;
  }
}
