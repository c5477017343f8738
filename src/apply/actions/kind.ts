import type { FileOps, Stat } from '../../fs/file-ops.js';
import type { MountTable } from '../../fs/mounts.js';
import type { FsPath } from '../../model/paths.js';
import type { ActionOp } from '../../plan/plan.js';
import type { PinnedFolder } from '../pinned-folder.js';
import type { EntryView, FolderMaker } from './shared.js';

/** Where targets are made: the run's quarantine folder, a move's destination, the names beside the file. */
export interface TargetPlace {
  catalogId: string;
  runId: number;
  seq: number;
  /** The run's own quarantine folder (`<root>/<catalog id>/run-N`), for quarantine. */
  runFolder?: FsPath;
  /** For move: the folder the file's absolute path is recreated under. */
  to?: string;
}

/** One action being carried out, after its file and keeper were checked against the plan. */
export interface Act {
  ops: FileOps;
  folders: FolderMaker;
  entry: EntryView & { target: FsPath };
  /** The file's folder, held open (a dry run's probes reach it through this, never by its path). */
  folder: PinnedFolder;
  /** Which mount each path lies on (a dry run's look at whether a rename or link can reach). */
  mounts: MountTable;
  /** The file as checked, through its open descriptor. */
  file: Stat;
  /** The keeper as compared: its identity when the compare began (after `prepare`). */
  keeper: Stat;
  /** The keeper, held open since it was checked. */
  keeperFd?: number;
  /** The keeper's name reached through its folder held open (a hard link is made from it). */
  keeperAt?: FsPath;
  /** The replacement `prepare` made, held open (reflink): it is given the file's owner, mode and times. */
  replacementFd?: number;
}

/** What a crash left of an action: done, not done (and put back as it was), or not knowable (why). */
export type CrashState = 'done' | 'not-done' | { unknown: string };

/**
 * `lost`: what undo would bring back is gone for good (a quarantined or moved copy removed from its folder): no
 * undo can, so the run may end as partly-undone.
 */
export type Reversal =
  { outcome: 'undone' | 'already' } | { outcome: 'problem'; reason: string; lost?: boolean };

/**
 * Everything one kind of action does, in one place: where it puts things, how it is carried out on the very
 * file that was checked, how a crash is judged, how it is reversed. The table in `index.ts` holds one per
 * `ActionOp`, and one contract suite runs against every kind.
 */
export type ActionKind = RelocatingKind | DestroyingKind;

interface KindBase {
  readonly op: ActionOp;
  /** The file is gone from its path once done (quarantine, move, delete); links leave a file there. */
  readonly removesPath: boolean;
  /** Where the action puts the file (quarantine, move), or the temporary name of its replacement (links). */
  target(path: FsPath, place: TargetPlace): FsPath;
  /**
   * After a crash: judged from the file system alone. Never destroys bytes: a file found set aside goes back to
   * its path (what stood in for it is removed), so the action is then either done or not started.
   */
  stateAfterCrash(ops: FileOps, entry: EntryView): CrashState;
  /**
   * A dry run's stand-in for carrying the action out, called where it would be: throws the error the action's
   * own calls would meet (EEXIST, EXDEV, a file system that cannot clone), so that the dry run skips it with the
   * reason apply would give. Changes nothing and leaves nothing behind.
   */
  rehearse(act: Act): void;
  /** Reverses a done action; safe to repeat (a second call finds it reversed already). */
  reverse(ops: FileOps, entry: EntryView): Reversal;
}

/** Quarantine and move: the file keeps its bytes and only gets a new name. */
export interface RelocatingKind extends KindBase {
  readonly destroys: false;
  /** Renames the file (never over anything), then checks the new name holds the very file checked. */
  perform(act: Act): void;
}

/**
 * Delete and the links: the last step removes the file's bytes. The file is set aside (renamed beside itself)
 * before its bytes are compared, so no write to it can slip in unseen; it goes only once the keeper is proven.
 */
export interface DestroyingKind extends KindBase {
  readonly destroys: true;
  /**
   * The path ends up showing the keeper's own inode (hard link) or the keeper through a link (symlink): the
   * keeper must then have the file's owner and mode, or a user would reach another's file.
   */
  readonly sharesKeeper: boolean;
  /** It makes a hard link to the keeper's inode, which moves the keeper's ctime (hardlink). */
  readonly linksKeeper: boolean;
  /**
   * What the file's bytes are compared with, and proven unchanged right before they go: the keeper, or (reflink)
   * the replacement itself, an independent copy whose bytes then no longer depend on the keeper.
   */
  readonly proof: 'keeper' | 'replacement';
  /** The name the file is set aside under. */
  asideOf(entry: EntryView): FsPath;
  /** Before the compare: makes what will replace the file, under its temporary name (links). */
  prepare?(act: Act): void;
  /**
   * Once the file is set aside: puts the replacement into the emptied path, never over anything that appeared
   * there (EEXIST), and returns what now stands at the path (its lstat).
   */
  install?(act: Act): Stat;
  /** Takes back what `install` put at the path (`installed`), only if it is still that; never anything else. */
  uninstall?(ops: FileOps, entry: EntryView & { target: FsPath }, installed: Stat): void;
  /** Removes what `prepare` made (`made`: its lstat, when known), after a failure; never anything else. */
  discard?(ops: FileOps, entry: EntryView, made?: Stat): void;
}
