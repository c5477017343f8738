import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface Asset {
  type: string;
  body: Uint8Array;
}

/**
 * The review page's files (dist/page/), by the names they are asked for: the list is made once, from the folder
 * as it is when the server starts, so no request can name any other file (`..`, links, encoded slashes: a name
 * is either in the list or not). An unbuilt page is an empty list.
 */
export class PageFiles {
  readonly #files = new Map<string, string>();

  constructor(dir: string) {
    let entries;
    try {
      entries = readdirSync(dir, { recursive: true, withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      this.#files.set(relative(dir, path).split(sep).join('/'), path);
    }
  }

  has(name: string): boolean {
    return this.#files.has(name);
  }

  /** The file `name` (a path below the page folder, with `/`), or undefined when it is not one of the page's. */
  async read(name: string): Promise<Asset | undefined> {
    const path = this.#files.get(name);
    if (path === undefined) return undefined;
    const body = await readFile(path);
    return { type: TYPES[extname(name)] ?? 'application/octet-stream', body };
  }
}
