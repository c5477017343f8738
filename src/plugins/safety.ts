import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

export interface SafetyOptions {
  /** The plugin folders: the one a plugin was found in is checked with it. */
  folders: readonly string[];
  /** The user nodupe runs as (effective uid): files must be theirs or root's; only root's when it is root. */
  uid: number;
}

const ALLOW = 'or pass --allow-unsafe-plugins (plugins.allow_unsafe = true in the config)';

/**
 * Why the plugin file at `path` must not run, or undefined when it may. A plugin runs as the user who runs
 * nodupe, so nothing another user could have changed is loaded: the plugin folder it was found in, the plugin
 * (a file, or a folder plugin and every file and folder in it) must each be owned by that user or by root (by
 * root alone when nodupe runs as root) and writable by neither group nor others. A symbolic link is judged
 * twice: the link (its owner) and what it points to (owner and mode); a linked folder inside a folder plugin
 * is not entered. A file outside every plugin folder (a hasher module named by path) is judged with its folder.
 * A file that does not exist is left for the loader to report.
 */
export function unsafePlugin(path: string, options: SafetyOptions): string | undefined {
  const { uid } = options;
  const folder = options.folders.find((f) => isInside(f, path));
  if (folder === undefined) return problem(dirname(path), plain, uid) ?? problem(path, plain, uid);
  const item = join(folder, relative(folder, path).split(sep)[0]!);
  return (
    problem(folder, (kind) => (kind === 'link' ? 'the plugin folder link' : 'the plugin folder'), uid) ??
    problem(item, (kind) => (kind === 'folder' ? 'the folder plugin' : `the plugin ${kind}`), uid) ??
    (isRealDirectory(item) ? problemInside(item, uid) : undefined)
  );
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function isRealDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The first file or folder below a folder plugin's folder that fails the check, depth first in name order. */
function problemInside(dir: string, uid: number): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    return `the folder ${dir} cannot be listed to check it (${(error as Error).message}): refused`;
  }
  for (const name of names) {
    const path = join(dir, name);
    const found = problem(path, plain, uid) ?? (isRealDirectory(path) ? problemInside(path, uid) : undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}

type Kind = 'file' | 'folder' | 'link';

/** How a path is named in a refusal, by what it is: "the plugin folder", "the folder plugin", "the file". */
type Label = (kind: Kind) => string;

const plain: Label = (kind) => `the ${kind}`;

/** What is wrong with one path (and, for a link, with its target), as a sentence with the fix. */
function problem(path: string, label: Label, uid: number): string | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `${label('file')} ${path} cannot be checked (${(error as Error).message}): refused`;
  }
  if (!st.isSymbolicLink()) {
    const name = `${label(st.isDirectory() ? 'folder' : 'file')} ${path}`;
    return ownerProblem(name, path, st, uid) ?? modeProblem(name, path, st);
  }
  // A link's own mode means nothing (0777 on Linux); its owner decides where it points, so both are judged.
  const name = `${label('link')} ${path}`;
  const owner = ownerProblem(name, path, st, uid, '-h ');
  if (owner !== undefined) return owner;
  let target: string;
  let targetStat: Stats;
  try {
    target = realpathSync(path);
    targetStat = statSync(target);
  } catch {
    return undefined; // a dangling link: the loader says so
  }
  const which = `${name} points to ${target}, which`;
  return ownerProblem(which, target, targetStat, uid) ?? modeProblem(which, target, targetStat);
}

function modeProblem(name: string, path: string, st: Stats): string | undefined {
  const writable = st.mode & 0o022;
  if (writable === 0) return undefined;
  const who = writable & 0o002 ? 'other users' : 'its group';
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  return `${name} is writable by ${who} (mode ${mode}): refused; fix with \`chmod go-w ${path}\`, ${ALLOW}`;
}

function ownerProblem(
  name: string,
  path: string,
  st: Stats,
  uid: number,
  chownFlags = '',
): string | undefined {
  if (st.uid === uid || st.uid === 0) return undefined;
  const whose =
    uid === 0
      ? 'and nodupe runs as root, which loads only what root owns'
      : `not by you (uid ${uid}) or root`;
  return (
    `${name} is owned by uid ${st.uid}, ${whose}: refused; ` +
    `fix with \`chown ${chownFlags}${uid === 0 ? 'root' : uid} ${path}\`, ${ALLOW}`
  );
}
