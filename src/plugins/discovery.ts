import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

export interface Discovery {
  /** Entry files of the plugins found, in folder order then name order. */
  files: string[];
  problems: { path: string; message: string }[];
}

const PLUGIN_FILE = new Set(['.mjs', '.js']);

export function isPluginFile(name: string): boolean {
  return PLUGIN_FILE.has(extname(name)) && !name.startsWith('.');
}

/**
 * The entry file of a folder plugin: its package.json names it, by `nodupe.plugin`, else `exports` (a string
 * or `exports["."]`), else `main`, else index.js.
 */
export async function folderEntry(folder: string): Promise<string | undefined> {
  let pkg: { nodupe?: { plugin?: unknown }; exports?: unknown; main?: unknown };
  try {
    pkg = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return undefined;
  }
  const exported =
    typeof pkg.exports === 'string'
      ? pkg.exports
      : (pkg.exports as Record<string, unknown> | undefined)?.['.'];
  const entry = [pkg.nodupe?.plugin, exported, pkg.main, 'index.js'].find(
    (e): e is string => typeof e === 'string',
  );
  return resolve(folder, entry!);
}

/**
 * Finds the plugins in the folders: each `.mjs`/`.js` file, and each subfolder with a package.json. A folder
 * that cannot be read is a problem, not a failure: the others are still searched.
 */
export async function discoverPlugins(folders: readonly string[]): Promise<Discovery> {
  const found: Discovery = { files: [], problems: [] };
  for (const folder of folders) {
    let names: string[];
    try {
      names = (await readdir(folder)).sort();
    } catch (error) {
      found.problems.push({ path: folder, message: (error as Error).message });
      continue;
    }
    for (const name of names) {
      const path = join(folder, name);
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile() && isPluginFile(name)) found.files.push(path);
      else if (st?.isDirectory()) {
        const entry = await folderEntry(path);
        if (entry !== undefined) found.files.push(entry);
      }
    }
  }
  return found;
}
