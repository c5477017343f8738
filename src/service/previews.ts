import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { cacheDir } from '../core/xdg.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { hasTextExtension } from './kinds.js';
import { ThumbCache } from './previews-cache.js';
import { checkableHash, hasHash } from './previews-hash.js';
import { decodeThumb, SNIFF_BYTES, sniffImage, THUMB_EDGE, type ThumbDecoder } from './previews-image.js';
import { openForPreview, readThrough, type PreviewFile } from './previews-read.js';
import { EXCERPT_BYTES, textExcerpt } from './previews-text.js';

export type { PreviewFile } from './previews-read.js';

/** What `GET /files/:id/thumb` and `/text` send: a content type and the bytes. */
export interface Preview {
  type: string;
  body: Uint8Array;
}

/** Why a file has no preview, in words: for the server's log, or a response header. */
export interface PreviewMiss {
  file: PreviewFile;
  preview: 'thumb' | 'text';
  reason: string;
}

export interface PreviewsOptions {
  /** Where thumbnails are kept by content hash: `$XDG_CACHE_HOME/nodupe/thumbs` (see `thumbCacheDir`). */
  cacheDir: string;
  /** The `--max-read-rate` budget: every byte read from a user's file is granted by it first. */
  limiter?: RateLimiter | undefined;
  /** For the durable writes of the cache (the age of a killed writer's leftovers). */
  clock: Clock;
  /** Told why each file got no preview (it is then `undefined`). */
  onMiss?: ((miss: PreviewMiss) => void) | undefined;
  /** The decoder (tests count decodes with it). */
  decode?: ThumbDecoder | undefined;
}

export interface Previews {
  /** A WebP thumbnail (at most 256×256, upright) of an image, or undefined. An abort is thrown. */
  thumb(file: PreviewFile, signal?: AbortSignal): Promise<Preview | undefined>;
  /** The first 4 KiB of a text file as `text/plain; charset=utf-8`, or undefined (binary). An abort is thrown. */
  text(file: PreviewFile, signal?: AbortSignal): Promise<Preview | undefined>;
}

/** Where thumbnails are kept: `$XDG_CACHE_HOME/nodupe/thumbs`. */
export function thumbCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'thumbs');
}

/** Larger images get no thumbnail: reading them would cost the read budget and memory for a 256-pixel picture. */
export const MAX_THUMB_SOURCE_BYTES = 64 * 2 ** 20;

const WEBP = 'image/webp';
/** Why a thumbnail is refused when the bytes read do not have the catalog's hash. */
const NOT_THE_HASHED_CONTENT = "the file's content changed since the scan (its hash is not the catalog's)";
const TEXT = 'text/plain; charset=utf-8';

/**
 * Previews of catalog files for the review page. Each file is opened the safe way (a regular file, not through a
 * symlink, still the one the scan saw: see `openForPreview`), read through the read budget, and for thumbnails
 * decoded one at a time; a thumbnail is kept by content hash, so an image is decoded once, and only when the
 * bytes decoded have the catalog's hash (bytes without it are not shown either: see `hasHash`). Files that cannot
 * be previewed give `undefined`, and `onMiss` the reason: never a thrown stack.
 *
 * @example
 * const previews = makePreviews({ cacheDir: thumbCacheDir(process.env), limiter, clock });
 * const preview = await previews.thumb(service.fileForPreview(id), signal); // { type: 'image/webp', body }
 */
export function makePreviews(options: PreviewsOptions): Previews {
  const { limiter, onMiss } = options;
  const cache = new ThumbCache(options.cacheDir, options.clock);
  const decode = options.decode ?? decodeThumb;
  const oneAtATime = new OneAtATime();
  const miss = (file: PreviewFile, preview: PreviewMiss['preview'], reason: string): undefined => {
    onMiss?.({ file, preview, reason });
    return undefined;
  };

  return {
    async thumb(file, signal) {
      const opening = await openForPreview(file);
      if (!opening.ok) return miss(file, 'thumb', opening.reason);
      const { handle, st } = opening;
      try {
        // Kept under the catalog's hash only once made of bytes seen to have it, so a hit (for a file still
        // the one the scan saw) is a thumbnail of the catalog's content, and reads nothing of the file.
        const key = checkableHash(file);
        const cached = cache.get(key?.hash, THUMB_EDGE);
        if (cached) return { type: WEBP, body: cached };
        const size = Number(st.size);
        if (size > MAX_THUMB_SOURCE_BYTES) {
          return miss(file, 'thumb', `the file is larger than ${MAX_THUMB_SOURCE_BYTES / 2 ** 20} MiB`);
        }
        // One at a time: the whole file is in memory while it is decoded, and decoding takes a core.
        return await oneAtATime.run(async () => {
          const head = await readThrough(handle, 0, Math.min(SNIFF_BYTES, size), limiter, signal);
          if (sniffImage(head) === undefined)
            return miss(file, 'thumb', 'the file is not an image nodupe can show');
          const rest = await readThrough(handle, head.length, size - head.length, limiter, signal);
          if (head.length + rest.length < size)
            return miss(file, 'thumb', 'the file shrank while being read');
          const image = Buffer.concat([head, rest]);
          if (key && !(await hasHash(image, key, signal))) return miss(file, 'thumb', NOT_THE_HASHED_CONTENT);
          const decoded = await decode(image);
          if (!decoded.ok) return miss(file, 'thumb', decoded.reason);
          cache.put(key?.hash, THUMB_EDGE, decoded.webp); // no key: made each time, uncached
          return { type: WEBP, body: decoded.webp };
        });
      } finally {
        await closeQuietly(handle);
      }
    },

    async text(file, signal) {
      const opening = await openForPreview(file);
      if (!opening.ok) return miss(file, 'text', opening.reason);
      const { handle, st } = opening;
      try {
        // Not hashed: an excerpt is 4 KiB of a file that may be gigabytes, and is never cached. The identity
        // check of `openForPreview` (device, inode, size and both times, against the catalog's) is its guard.
        const size = Number(st.size);
        const head = await readThrough(handle, 0, Math.min(EXCERPT_BYTES, size), limiter, signal);
        const excerpt = textExcerpt(head, size > head.length, hasTextExtension(file.path));
        if (!excerpt.ok) return miss(file, 'text', excerpt.reason);
        return { type: TEXT, body: excerpt.text };
      } finally {
        await closeQuietly(handle);
      }
    },
  };
}

async function closeQuietly(handle: FileHandle): Promise<void> {
  await handle.close().catch(() => undefined);
}

/** Runs tasks one after another, in the order they came. */
class OneAtATime {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
