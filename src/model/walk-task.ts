import type { WalkedFiles } from './records.js';

/**
 * The walk's tasks and their answers: plain data that crosses threads. The scan's pool runs them (hash/), the
 * walk makes and reads them (scan/); they live here so that neither folder imports the other for them.
 */

/** A folder for a thread to read, with what the walk knows of it. Crosses threads, so plain data only. */
export interface FolderToRead {
  /** Its path as bytes, in a buffer of its own (a view into a larger one would copy all of it across). */
  path: Uint8Array;
  /** Folder levels below its root (the root is 0). */
  depth: number;
  /** Index of its root, in command-line order. */
  root: number;
  /** Its path below the root, when a glob needs it; '' otherwise. */
  relative: string;
  /** Names of nodupe's own files in it (see `WalkOptions.skipFiles`): these, and those starting `NAME-`. */
  own?: string[];
}

/** A subfolder a thread found; the walk enters it unless a folder of the same identity was entered. */
export interface FoundFolder extends FolderToRead {
  /** `device:inode`. */
  id: string;
}

/**
 * The filters as plain data (a thread compiles them once per walk; see scan/filters.ts); which glob matched comes
 * back apart.
 */
export interface PlainFilters {
  /** Globs of files and folders to leave out (a folder left out is not entered). */
  exclude?: readonly string[];
  /** When given, only files matching one of these globs are kept (folders are still entered). */
  include?: readonly string[];
  /** Leave out names that start with a dot, files and folders alike. */
  hidden?: boolean;
  minSize?: number;
  maxSize?: number;
}

/** A batch of folders to read on a worker thread. */
export interface WalkTask {
  kind: 'walk';
  /** Which walk this is: a thread compiles each walk's filters once. */
  walk: string;
  filters: PlainFilters;
  followSymlinks: boolean;
  maxDepth: number;
  /** With `oneFileSystem`: each root's device, by root index; a folder on another device is not entered. */
  rootDevs?: bigint[];
  folders: FolderToRead[];
}

/** What the walk could not read, with the path as bytes (see `WalkProblem`). */
export interface FolderProblem {
  path: Uint8Array;
  op: 'readdir' | 'lstat' | 'stat';
  code: string;
  message: string;
}

/** What reading a batch of folders found. */
export interface FolderReport {
  files: WalkedFiles;
  folders: FoundFolder[];
  /** Links not followed. */
  symlinks: Uint8Array[];
  /** Links followed, and the real paths they lead to. */
  followed: { link: Uint8Array; real: Uint8Array }[];
  problems: FolderProblem[];
  /** Entries that are neither files, folders nor links. */
  special: number;
  /** Folders read (or tried). */
  dirs: number;
  /** Entries seen: the walk sizes its batches by it. */
  entries: number;
}

/** A batch's report as a worker returns it: with the globs that matched for the first time in that thread. */
export interface WalkTaskResult extends FolderReport {
  matched: string[];
}
