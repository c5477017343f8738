import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { KnownFolder } from './known-tree.js';

/** A name of a folder to look at, and what is there now (undefined: nothing). */
export interface Look {
  folder: KnownFolder;
  name: string;
  stat: Stats | undefined;
}

/** The names in a folder; none when it cannot be read (gone, or no permission). */
export function namesIn(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** lstat, or undefined when nothing is there any more (or it cannot be looked at). */
export function lookAt(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Every name a subtree holds now or was known to hold, to compare what is there with what was known: the
 * folder's listing and its known names, and the same for each known subfolder still there. Used after a
 * watcher error, on request, and on each poll.
 */
export function subtreeLooks(folder: KnownFolder, into: Look[] = []): Look[] {
  const listed = new Set(namesIn(folder.path));
  const names = new Set([...listed, ...folder.files.keys(), ...folder.folders.keys()]);
  for (const name of names) into.push({ folder, name, stat: lookAt(join(folder.path, name)) });
  for (const [name, sub] of folder.folders) if (listed.has(name)) subtreeLooks(sub, into);
  return into;
}
