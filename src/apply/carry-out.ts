import { isAbortError } from '../core/errors.js';
import type { RateLimiter } from '../core/rate-limiter.js';
import { describeErrno, errnoOf, type FileOps, type Stat } from '../fs/file-ops.js';
import {
  describeChange,
  identityChange,
  identityOf,
  type Expectation,
  type FileIdentity,
} from '../model/identity.js';
import { displayPath, type FsPath } from '../model/paths.js';
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
  type Opened,
  type StackingCheck,
} from './check.js';
import type { OwnerRecord } from './journal.js';
import { PinnedFolder, type HeldFolders } from './pinned-folder.js';
import type { LinkTally } from './space.js';
import type { MountTable } from '../fs/mounts.js';
import type { HashState } from '../hash/hashers.js';
import { checkOwnHash } from './own-hash.js';
import { isMemberKeeperOp, MEMBER_KEEPER_REASON, SIMILAR_OPS_REASON } from '../plan/plan.js';
import { compareWithMember } from './member-keeper.js';

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
  /** The run is a purge (its refusals advise what a purge can do). */
  purging?: boolean;
  /** The folder of the last file acted on, held open (see HeldFolders); the run closes it when it ends. */
  held: HeldFolders;
  /**
   * Inodes (`dev:ino`) whose ctime this run itself moved: a file renamed away under one of its names, a keeper
   * linked to. Their ctime is not compared with the plan's (the compare and the proof still hold).
   */
  touched: Set<string>;
  /** The names of each inode the run took away, for the bytes each action frees (see `src/apply/space.ts`). */
  links: LinkTally;
  /** Which mount each path lies on, read once if a dry run asks. */
  mounts: MountTable;
  /** A plan of near-duplicates (`basis` "similar"): see NearDuplicateRun. */
  nearDuplicates?: NearDuplicateRun | undefined;
}

/**
 * How a plan of near-duplicates is carried out: each file is proven by its own content hash, read now through its
 * open descriptor with `hash` (the plan's algorithm), never by its keeper's bytes; `guard` says why a file must
 * stay before anything is read (not the file the catalog grouped, or a keeper of the plan under another name);
 * the file and its keeper must be the user's own; nothing but quarantine and move is carried out.
 */
export interface NearDuplicateRun {
  hash: HashState;
  guard: (path: FsPath, expect: Expectation) => string | undefined;
}

/**
 * An action carried out (in a dry run: one that would be). `freed`: the allocated bytes it freed (for quarantine,
 * what a purge would free), by `LinkTally`.
 */
export interface Done {
  freed: number;
}

/** The key of an inode in {@link RunContext.touched}. */
export function inodeKey(f: { dev: bigint; ino: bigint }): string {
  return `${f.dev}:${f.ino}`;
}

/**
 * Why a near-duplicate must stay for its owners: it and its keeper must both be the user's own (root: both of one
 * owner). A keeper of another user could be changed or removed by them, and with it the picture kept; the name
 * a plan gives may lead, through a folder that user controls, to a file the user owns when the plan is made and to
 * theirs when it is applied: the owner is judged here, on the inodes opened.
 */
function nearDuplicateOwners(file: Stat, keeper: Stat): string | undefined {
  const me = BigInt(process.geteuid?.() ?? -1);
  if (keeper.uid !== file.uid || (me !== 0n && file.uid !== me)) {
    return (
      `near-duplicates are kept only against the user's own files: the file is uid ${file.uid}'s, its keeper ` +
      `uid ${keeper.uid}'s; it stays`
    );
  }
  return undefined;
}

/**
 * The keeper a file is compared with: its identity as planned (a purge has none: it holds the keeper to the inode
 * recorded with the intent), and, when it is a member of the archive at its path, the member's name.
 */
export interface KeeperWant {
  identity: FileIdentity | undefined;
  member: string | undefined;
}

/**
 * The file acted on, and what it must still be: the plan's identity (ctime not compared after a rename of ours),
 * and the content hash the plan holds it to (a near-duplicate's own, checked when the run has `nearDuplicates`).
 */
export interface Subject {
  path: FsPath;
  expect: Expectation;
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
 * keeper must belong to the file's owner (or root), and for a link have its owner, group and mode. It makes a
 * reflink clone, sets the file aside (one rename beside itself), puts the replacement into the emptied path,
 * takes the identities of the file and the keeper (or clone) after its own last step, proves the keeper by
 * name, compares the bytes now, then looks last (neither moved; the keeper's name still leads to it) and only
 * then removes the set-aside file. Any failure takes back what it put at the path and puts the file back.
 *
 * A dry run takes the same way up to the first step that would change anything, and there the kind rehearses
 * that step instead (its own calls' errors, with nothing made), then compares.
 *
 * Resolves to what was done (in a dry run: what would be), else to the reason it was not. Throws only an abort.
 */
export async function carryOut(
  run: RunContext,
  kind: ActionKind,
  entry: EntryView & { target: FsPath },
  folders: FolderMaker,
  file: Subject,
  keeper: KeeperWant,
  dryRun: boolean,
): Promise<Done | { reason: string }> {
  const attempt = new Attempt(run, kind, entry);
  let result: Done | string;
  try {
    result = await attempt.carryOut(folders, file, keeper, dryRun);
  } catch (error) {
    // An abort (Ctrl-C while waiting for read budget) is no verdict on the file: the action stays an intent.
    if (isAbortError(error)) {
      attempt.cleanUp();
      throw error;
    }
    result = explainFailure(kind.op, error);
  }
  const stays = attempt.cleanUp();
  if (typeof result !== 'string') return result;
  return { reason: stays === undefined ? result : `${result}; ${stays}` };
}

/** One action under way: what it holds open, what it set aside, what it made; `cleanUp` gives it all back. */
class Attempt {
  readonly #fds: number[] = [];
  /** The entry with the names in the file's folder reached through the folder held open. */
  #at: (EntryView & { target: FsPath }) | undefined;
  /** The replacement made before the compare (reflink), until it is in place. */
  #prepared: Stat | undefined;
  #keeperFolder: PinnedFolder | undefined;
  /** What stands at the path in the file's place (its lstat), the file set aside: until the file is let go of. */
  #installed: Stat | undefined;
  /** Where the file is set aside, until it is let go of (as the folder reaches it, and as the user names it). */
  #aside: { at: FsPath; real: FsPath } | undefined;

  constructor(
    private readonly context: RunContext,
    private readonly kind: ActionKind,
    private readonly entry: EntryView & { target: FsPath },
  ) {}

  /** Carries the action out; resolves to what was done, else to the reason it was not. */
  async carryOut(
    folders: FolderMaker,
    file: Subject,
    want: KeeperWant,
    dryRun: boolean,
  ): Promise<Done | string> {
    const { context: run, kind, entry } = this;
    const { ops } = run;
    const keeperWant = want.identity;
    const member = want.member;
    const near = run.nearDuplicates;
    // Apply refuses such plans at their start (validatePlan); this holds the line for any other way in.
    if (member !== undefined && (!isMemberKeeperOp(kind.op) || near !== undefined))
      return MEMBER_KEEPER_REASON;
    if (near !== undefined) {
      if (kind.destroys) return `a plan of near-duplicates: ${SIMILAR_OPS_REASON}`;
      const guarded = near.guard(file.path, file.expect);
      if (guarded !== undefined) return guarded;
    }
    const opened = this.#open(
      file.path,
      'the file',
      file.expect,
      (file.ignoreCtime ?? false) || run.touched.has(inodeKey(file.expect)),
    );
    if (typeof opened === 'string') return opened;
    const keeper = this.#open(
      entry.keeper,
      keeperRole(entry.keeper),
      keeperWant,
      keeperWant !== undefined && run.touched.has(inodeKey(keeperWant)),
    );
    if (typeof keeper === 'string') return keeper;
    const fileSt = opened.st;
    const keeperSt = keeper.st;
    // The keeper recorded with the intent (a purge has only this): another inode at its name, even with the same
    // bytes, is not it. The proof below then holds the name to this very inode until the file goes.
    const recorded = entry.keeperId;
    if (recorded !== undefined && (keeperSt.dev !== recorded.dev || keeperSt.ino !== recorded.ino)) {
      return `${keeperRole(entry.keeper)} is another file now (not the one recorded when it was chosen)`;
    }
    if (near !== undefined) {
      const stays = nearDuplicateOwners(fileSt, keeperSt);
      if (stays !== undefined) return stays;
    }
    if (keeperSt.dev === fileSt.dev && keeperSt.ino === fileSt.ino) {
      return 'the file is a hard link of its keeper (one file; nothing to free)';
    }
    if (entry.owner !== undefined) {
      const moved = ownerChange(fileSt, entry.owner);
      if (moved !== undefined) return moved;
    }
    const how = { limiter: run.limiter, signal: run.signal, exact: kind.destroys };
    // A keeper inside an archive is streamed out of the archive opened here (never linked to or cloned).
    const compare = (fd: number) =>
      member === undefined
        ? compareOpen(ops, opened.fd, fd, file.expect.size, how)
        : compareWithMember(
            ops,
            opened.fd,
            { path: entry.keeper, st: keeperSt },
            member,
            file.expect.size,
            how,
          );
    // Held in a dry run too: opening a folder changes nothing, and one that cannot be opened stops apply.
    const folder = run.held.holding(file.path, fileSt);
    folder.mustBe(entry.folder);
    if (!dryRun) {
      this.#at = { ...entry, path: folder.within(entry.path), target: folder.within(entry.target) };
    }
    const at = this.#at;
    const act: Act = {
      ops,
      folders,
      entry: at ?? entry,
      folder,
      mounts: run.mounts,
      file: fileSt,
      keeper: keeperSt,
      keeperFd: keeper.fd,
    };

    if (!kind.destroys) {
      // The file keeps its bytes (a write meanwhile goes with it): only the compare says it is a copy. A
      // near-duplicate is no copy: its own bytes, read through the descriptor whose inode the rename then must
      // move (see `relocate`), must still hash to what the plan saw.
      const differs =
        near === undefined
          ? await compare(keeper.fd)
          : await checkOwnHash(ops, opened.fd, identityOf(fileSt), file.expect, {
              state: near.hash,
              limiter: run.limiter,
              signal: run.signal,
            });
      if (differs !== undefined) return differs;
      if (at !== undefined) kind.perform(act);
      else kind.rehearse(act);
      run.touched.add(inodeKey(fileSt));
      return { freed: kind.op === 'quarantine' ? run.links.quarantines(fileSt) : 0 };
    }

    const refusal = destroyRefusal(
      run,
      kind,
      { path: file.path, st: fileSt },
      { path: entry.keeper, st: keeperSt },
    );
    if (refusal !== undefined) return refusal;
    let counterpart = keeper;
    if (at === undefined) {
      // A dry run: what the steps below would meet, then the compare.
      kind.rehearse(act);
      const differs = await compare(counterpart.fd);
      return differs ?? { freed: run.links.removes(fileSt) };
    }
    if (kind.prepare) {
      // The replacement that is compared itself (a reflink clone), held open from here.
      kind.prepare(act);
      this.#prepared = ops.lstat(at.target);
      const made = this.#open(at.target, 'the copy made to replace it', identityOf(this.#prepared), false);
      if (typeof made === 'string') return made;
      counterpart = made;
    }
    // Set aside, then the replacement put in (the path is empty for that moment only); every move of nodupe's
    // own is done before the identities are taken that the last checks compare with.
    const aside = { at: kind.asideOf(at), real: kind.asideOf(entry) };
    setAside(ops, at.path, aside.at, fileSt);
    this.#aside = aside;
    if (kind.install) {
      // A hard link is made from the keeper's name in its folder held open (checked to be the keeper): a folder
      // above it swapped for a symlink sends it nowhere else.
      const keeperAt = kind.linksKeeper ? this.#holdKeeperFolder(entry.keeper, keeperSt) : undefined;
      const installed = kind.install({
        ...act,
        replacementFd: counterpart.fd,
        ...(keeperAt === undefined ? {} : { keeperAt }),
      });
      this.#prepared = undefined;
      // Only what nodupe put there is ever taken back: the keeper's inode, the clone, a link to the keeper.
      const expected = kind.linksKeeper
        ? keeperSt
        : kind.proof === 'replacement'
          ? counterpart.st
          : undefined;
      const ours =
        expected === undefined
          ? installed.isSymbolicLink()
          : installed.dev === expected.dev && installed.ino === expected.ino;
      if (!ours) {
        // A hard link nodupe made to whatever the keeper's name led to by then: that name of its is taken back.
        if (kind.linksKeeper) this.#installed = installed;
        return kind.linksKeeper
          ? `the keeper ${displayPath(entry.keeper)} was replaced while being linked`
          : 'its path was taken meanwhile';
      }
      this.#installed = installed;
    }
    const fileBefore = ops.fstat(opened.fd);
    const counterpartBefore = ops.fstat(counterpart.fd);
    if (kind.proof === 'keeper') proveKeeper(ops, entry.keeper, counterpartBefore);
    const differs = await compare(counterpart.fd);
    if (differs !== undefined) return differs;
    // The last looks, right before the file is let go of: neither it nor what stands for it moved since.
    const moved =
      unchangedSince(ops, opened.fd, fileBefore, 'the file') ??
      unchangedSince(
        ops,
        counterpart.fd,
        counterpartBefore,
        kind.proof === 'keeper' ? 'the keeper' : 'the copy',
      );
    if (moved !== undefined) return moved;
    if (kind.proof === 'keeper' && !kind.linksKeeper) proveKeeper(ops, entry.keeper, counterpartBefore);
    ops.unlink(aside.at);
    this.#aside = undefined;
    this.#installed = undefined;
    run.touched.add(inodeKey(fileSt));
    if (kind.linksKeeper) run.touched.add(inodeKey(keeperSt));
    // Its link count as last looked at, unchanged since (else the last looks stopped it): this name was its last?
    return { freed: run.links.removes(fileBefore) };
  }

  /**
   * Closes what is open, puts a set-aside file back (never over anything) and removes what was made for it.
   * Says where the file is when it could not go back (something took its path): nothing is lost, but the
   * user must know.
   */
  cleanUp(): string | undefined {
    const { ops } = this.context;
    for (const fd of this.#fds.splice(0)) ops.close(fd);
    let stays: string | undefined;
    if (this.#installed !== undefined && this.#at !== undefined && this.kind.destroys) {
      // What was put at the path goes (only if it is still what nodupe put there) before the file comes back.
      try {
        this.kind.uninstall?.(ops, this.#at, this.#installed);
      } catch {
        // Something else stands at the path now: the file stays set aside, and says so below.
      }
      this.#installed = undefined;
    }
    if (this.#aside !== undefined && this.#at !== undefined) {
      try {
        putBack(ops, this.#aside.at, this.#at.path);
      } catch {
        stays = `the file stays set aside as ${displayPath(this.#aside.real)} (its path was taken meanwhile)`;
      }
      this.#aside = undefined;
    }
    if (this.#prepared !== undefined && this.#at !== undefined && this.kind.destroys) {
      this.kind.discard?.(ops, this.#at, this.#prepared);
      this.#prepared = undefined;
    }
    this.#keeperFolder?.close();
    this.#keeperFolder = undefined;
    return stays;
  }

  /** The keeper's folder, held open until `cleanUp`, and the keeper's name reached through it. */
  #holdKeeperFolder(keeper: FsPath, keeperSt: Stat): FsPath {
    this.#keeperFolder = PinnedFolder.holding(this.context.ops, keeper, keeperSt);
    return this.#keeperFolder.within(keeper);
  }

  /** Opens a file as every check does (see openChecked), keeping it open until `cleanUp`; or why not. */
  #open(path: FsPath, role: string, want: FileIdentity | undefined, ignoreCtime: boolean): Opened | string {
    const result = openChecked(this.context.ops, path, role, want, { ignoreCtime });
    if (!result.ok) return result.reason;
    this.#fds.push(result.opened.fd);
    return result.opened;
  }
}

/** Why the file must not go: a write during the compare, even one whose mtime was set back, moves the ctime. */
function unchangedSince(ops: FileOps, fd: number, before: Stat, role: string): string | undefined {
  const now = ops.fstat(fd);
  const change = identityChange(now, identityOf(before));
  return change === undefined
    ? undefined
    : `${role} ${describeChange(change, identityOf(before), now)} while being compared`;
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
  if (kind.proof === 'replacement' && (keeper.st.mode & 0o6000n) !== 0n) {
    return (
      'the keeper is setuid or setgid: its clone would carry those bits, as nodupe, until it is given the ' +
      "file's owner; quarantine it instead"
    );
  }
  if (run.anyOwner) return undefined;
  if (kind.sharesKeeper) return ownerMismatch(file.st, keeper.st);
  return keeperOfAnother(
    file.st,
    keeper.st,
    run.purging
      ? 'pass --any-owner to let that file stand in (it must still be the very keeper the copy was quarantined against)'
      : 'quarantine it instead, or pass --any-owner',
  );
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
    return 'the keeper is on another file system or mount: a hard link cannot cross (EXDEV)';
  if (op === 'move' && code === 'EXDEV')
    return 'the destination is on another file system or mount; --to must be on the same one (EXDEV)';
  if (code === 'EEXIST') return `${op} failed: something is already where it would go (EEXIST)`;
  return `${op} failed: ${describeErrno(error)}`;
}
