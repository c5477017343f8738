import { isAbortError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from '../fs/file-ops.js';
import { describeChange, identityChange, identityOf, type FileIdentity } from '../model/identity.js';
import type { FsPath } from '../model/paths.js';
import {
  proveKeeper,
  putBack,
  setAside,
  type Act,
  type ActionKind,
  type DestroyingKind,
  type EntryView,
  type FolderMaker,
} from './actions/index.js';
import {
  compareOpen,
  keeperRole,
  openChecked,
  ownerMismatch,
  keeperOfAnother,
  type StackingCheck,
} from './check.js';
import type { OwnerRecord } from './journal.js';
import { PinnedFolder } from './pinned-folder.js';

/** What one run (apply, resume, purge) shares between its actions. */
export interface RunContext {
  ops: FileOps;
  stacking: StackingCheck;
  limiter?: RateLimiter | undefined;
  signal?: AbortSignal | undefined;
  /**
   * Let a keeper of another owner stand in for a file before its bytes go, and links join files of different
   * owners or modes (`--any-owner`).
   */
  anyOwner?: boolean | undefined;
  /**
   * Inodes (`dev:ino`) whose ctime this run itself moved: a file renamed away under one of its names, a keeper
   * linked to. Their ctime is not compared with the plan's (the compare and the proof still hold).
   */
  touched: Set<string>;
}

/** The key of an inode in {@link RunContext.touched}. */
export function inodeKey(f: { dev: bigint; ino: bigint }): string {
  return `${f.dev}:${f.ino}`;
}

/** The file acted on, and what it must still be: the plan's identity (ctime not compared after a rename of ours). */
export interface Subject {
  path: FsPath;
  expect: FileIdentity;
  ignoreCtime?: boolean;
}

/**
 * The one way nodupe acts on a file, so that only the very file that was checked can go, and only while its
 * keeper still holds the bytes compared. The file and its keeper are opened (no symlink followed, no FIFO
 * waited on, nothing but a regular file opened) and must be what the plan says (device, inode, size, mtime,
 * ctime), and two inodes. The file's folder is then held open: every later call in it goes through that very
 * folder, whatever happens to the folders above it.
 *
 * Quarantine and move then compare the bytes and rename the file (it keeps them). An action that destroys the
 * file's bytes goes further: across a stacking file system (overlayfs, FUSE) the two must share a device; the
 * keeper must belong to the file's owner (or root), and for a link have its owner, group and mode. It makes its
 * replacement (reflink), sets the file aside (renamed beside itself: from here a write to it moves its ctime),
 * compares the bytes now, checks the file did not change since it was set aside, proves the keeper (its path
 * names the inode compared, size, mtime and ctime unchanged since the compare began), puts the replacement in,
 * and only then removes the set-aside file. Any failure puts the file back.
 *
 * Resolves to {} when done (in a dry run: when it would be), else to the reason it was not. Throws only an abort.
 */
export async function carryOut(
  run: RunContext,
  kind: ActionKind,
  entry: EntryView & { target: FsPath },
  folders: FolderMaker,
  file: Subject,
  keeperWant: FileIdentity | undefined,
  dryRun: boolean,
): Promise<{ reason?: string }> {
  const { ops } = run;
  const opened = openChecked(ops, file.path, 'the file', file.expect, {
    ignoreCtime: (file.ignoreCtime ?? false) || run.touched.has(inodeKey(file.expect)),
  });
  if (!opened.ok) return { reason: opened.reason };
  const fds = [opened.opened.fd];
  let folder: PinnedFolder | undefined;
  let at: (EntryView & { target: FsPath }) | undefined;
  let prepared: Stat | undefined;
  let aside: FsPath | undefined;
  try {
    const keeper = openChecked(ops, entry.keeper, keeperRole(entry.keeper), keeperWant, {
      ignoreCtime: keeperWant !== undefined && run.touched.has(inodeKey(keeperWant)),
    });
    if (!keeper.ok) return { reason: keeper.reason };
    fds.push(keeper.opened.fd);
    const fileSt = opened.opened.st;
    const keeperSt = keeper.opened.st;
    if (keeperSt.dev === fileSt.dev && keeperSt.ino === fileSt.ino) {
      return { reason: 'the file is a hard link of its keeper (one file; nothing to free)' };
    }
    const ownerMoved = entry.owner === undefined ? undefined : ownerChange(fileSt, entry.owner);
    if (ownerMoved !== undefined) return { reason: ownerMoved };
    const compare = (fd: number) =>
      compareOpen(ops, opened.opened.fd, fd, file.expect.size, {
        limiter: run.limiter,
        signal: run.signal,
        exact: kind.destroys,
      });
    if (!dryRun) {
      folder = PinnedFolder.holding(ops, file.path, fileSt);
      at = { ...entry, path: folder.within(entry.path), target: folder.within(entry.target) };
    }
    const act: Act = { ops, folders, entry: at ?? entry, file: fileSt, keeper: keeperSt };

    if (!kind.destroys) {
      // The file keeps its bytes (a write meanwhile goes with it): only the compare says it is a copy.
      const differs = await compare(keeper.opened.fd);
      if (differs !== undefined) return { reason: differs };
      if (!dryRun) kind.perform(act);
      run.touched.add(inodeKey(fileSt));
      return {};
    }

    const refusal = destroyRefusal(
      run,
      kind,
      { path: file.path, st: fileSt },
      { path: entry.keeper, st: keeperSt },
    );
    if (refusal !== undefined) return { reason: refusal };
    let counterpart = keeper.opened;
    let fileBefore = fileSt;
    if (at !== undefined) {
      if (kind.prepare) {
        // The replacement that is compared itself (a reflink clone), held open from here.
        kind.prepare(act);
        prepared = ops.lstat(at.target);
        const made = openChecked(ops, at.target, 'the copy made to replace it', identityOf(prepared));
        if (!made.ok) return { reason: made.reason };
        fds.push(made.opened.fd);
        counterpart = made.opened;
      }
      aside = kind.asideOf(at);
      setAside(ops, at.path, aside, fileSt);
      fileBefore = ops.fstat(opened.opened.fd);
    }
    const differs = (await compare(counterpart.fd)) ?? unchangedSince(ops, opened.opened.fd, fileBefore);
    if (differs !== undefined) return { reason: differs };
    if (at === undefined) return {};
    proveKeeper(ops, kind.proof === 'replacement' ? at.target : entry.keeper, counterpart.st);
    kind.replace?.({ ...act, keeper: counterpart.st, replacementFd: counterpart.fd });
    prepared = undefined;
    ops.unlink(aside!);
    aside = undefined;
    run.touched.add(inodeKey(fileSt));
    if (kind.linksKeeper) run.touched.add(inodeKey(keeperSt));
    return {};
  } catch (error) {
    // An abort (Ctrl-C while waiting for read budget) is no verdict on the file: the action stays an intent.
    if (isAbortError(error)) throw error;
    return { reason: explainFailure(kind.op, error) };
  } finally {
    for (const fd of fds) ops.close(fd);
    // Whatever stopped the action, a set-aside file goes back (never over anything) before its stand-in goes.
    if (aside !== undefined) putBackQuietly(ops, aside, at!.path);
    if (prepared !== undefined && kind.destroys) kind.discard?.(ops, at!, prepared);
    folder?.close();
  }
}

/** Why the file must not go: a write during the compare, even one whose mtime was set back, moves its ctime. */
function unchangedSince(ops: FileOps, fd: number, before: Stat): string | undefined {
  const now = ops.fstat(fd);
  const change = identityChange(now, identityOf(before));
  return change === undefined
    ? undefined
    : `the file ${describeChange(change, identityOf(before), now)} while being compared`;
}

/** Why the file's owner or mode is no longer what the run recorded with its intent (undo would give those back). */
function ownerChange(st: Stat, owner: OwnerRecord): string | undefined {
  const same =
    Number(st.uid) === owner.uid && Number(st.gid) === owner.gid && (Number(st.mode) & 0o7777) === owner.mode;
  return same ? undefined : 'the file changed owner or mode since its intent was written';
}

/** Why an action that destroys bytes may not, with this keeper: a possible alias, or another owner. */
function destroyRefusal(
  run: RunContext,
  kind: DestroyingKind,
  file: { path: FsPath; st: Stat },
  keeper: { path: FsPath; st: Stat },
): string | undefined {
  if (run.stacking.mayAlias(file, keeper)) {
    return (
      'the file and its keeper lie on different devices and one is on a stacking file system ' +
      '(overlayfs, FUSE): they may be one physical file under two names, so it stays'
    );
  }
  if (run.anyOwner) return undefined;
  return kind.sharesKeeper ? ownerMismatch(file.st, keeper.st) : keeperOfAnother(file.st, keeper.st);
}

function putBackQuietly(ops: FileOps, aside: FsPath, path: FsPath): void {
  try {
    putBack(ops, aside, path);
  } catch {
    // It stays set aside; crash recovery (resume, undo) and verify name it.
  }
}

function explainFailure(op: ActionKind['op'], error: unknown): string {
  const code = errnoOf(error);
  if (code === 'ECHANGED') return (error as Error).message;
  if (
    op === 'reflink' &&
    (code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'EINVAL')
  ) {
    return `this file system cannot make reflinks (${code}); use hardlink or quarantine`;
  }
  if (op === 'hardlink' && code === 'EXDEV')
    return 'the keeper is on another file system: a hard link cannot cross (EXDEV)';
  if (op === 'move' && code === 'EXDEV')
    return 'the destination is on another file system; --to must be on the same one (EXDEV)';
  if (code === 'EEXIST') return `${op} failed: something is already where it would go (EEXIST)`;
  return `${op} failed: ${describeErrno(error)}`;
}
