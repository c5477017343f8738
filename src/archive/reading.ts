import type { HashState } from '../hash/hashers.js';
import type { ArchiveFile } from './archive-file.js';
import type { Inflation } from './caps.js';
import type { ArchiveMember, ArchiveSkip, SkipReason } from './listing.js';
import { MemberDigest, type MemberTap } from './member-digest.js';
import { safeName, shownName } from './names.js';

/**
 * The state of one archive being read, shared by every format's reader: the file, the hashing of members, the
 * caps, and what has been listed so far (kept when reading stops early).
 */
export class Reading {
  readonly members: ArchiveMember[] = [];
  readonly skipped: ArchiveSkip[] = [];
  readonly digest: MemberDigest;
  readonly #names = new Set<string>();
  readonly #repeated = new Set<string>();
  /** Names an extraction makes a folder at: folder entries', and every entry's parents (`a` and `a/b` of `a/b/c`). */
  readonly #folders = new Set<string>();
  /**
   * Set by a reader that has seen every entry's name before hashing any (7z): a wanted member is then known not
   * to be repeated later, and the read may stop once it is hashed.
   */
  namesComplete = false;

  constructor(
    readonly file: ArchiveFile,
    state: HashState,
    readonly inflation: Inflation,
    /** Set when one member is wanted (its hashes checked again): the others are passed over unhashed. */
    readonly only: string | undefined,
    tap?: MemberTap,
  ) {
    this.digest = new MemberDigest(state, tap);
  }

  /**
   * When one member was wanted and has been hashed, and no later entry can repeat its name: the reader may stop.
   */
  get done(): boolean {
    return this.only !== undefined && this.namesComplete && this.members.length > 0;
  }

  /**
   * A regular member's label from its stored name, or undefined (recorded as skipped) when the name is unsafe
   * or repeats another entry's. Every copy of a repeated name is skipped, the ones already read dropped: which
   * copy an extraction leaves in place varies (`tar x` keeps the last), so no copy's content is the name's.
   */
  memberName(stored: Uint8Array, legacy: 'cp437' | 'none'): string | undefined {
    const name = safeName(stored, legacy);
    if (name === undefined) return this.skip(stored, 'unsafe-name');
    this.#parents(name);
    if (this.#claim(name)) return name;
    return this.skip(stored, 'duplicate-name');
  }

  /**
   * An entry skipped for its kind (a link, a device…): its name still counts, for an extraction would put it
   * where a regular member of the same name is.
   */
  skipKind(stored: Uint8Array, legacy: 'cp437' | 'none', reason: SkipReason): void {
    const name = safeName(stored, legacy);
    if (name !== undefined) {
      this.#parents(name);
      this.#claim(name);
    }
    this.skip(stored, reason);
  }

  /**
   * A folder entry: nothing to list, but an extraction makes a folder at its name, so a member of that name (or
   * below a member's name: `a.txt/b`) is no member an extraction leaves in place (see `settle`).
   */
  folder(stored: Uint8Array, legacy: 'cp437' | 'none'): void {
    const name = safeName(stored, legacy);
    // Recorded: an extraction cleans such a name up (`d//a/` makes the folder d/a) and may put it over a member.
    if (name === undefined) {
      this.skip(stored, 'unsafe-name');
      return;
    }
    this.#parents(name);
    this.#folders.add(name);
  }

  #parents(name: string): void {
    for (let at = name.indexOf('/'); at >= 0; at = name.indexOf('/', at + 1))
      this.#folders.add(name.slice(0, at));
  }

  /**
   * Drops, once every name has been seen, the members whose name is also a folder's (a folder entry, or a parent of
   * another entry): which of the two an extraction leaves at that name varies, as for a repeated name.
   */
  settle(): void {
    for (let i = this.members.length - 1; i >= 0; i--) {
      const name = this.members[i]!.name;
      if (this.#folders.has(name)) {
        this.members.splice(i, 1);
        this.skip(name, 'duplicate-name');
      }
    }
  }

  /** Whether `name` is the first entry's of its name; if not, the member of that name read so far is dropped. */
  #claim(name: string): boolean {
    if (!this.#names.has(name)) {
      this.#names.add(name);
      return true;
    }
    if (!this.#repeated.has(name)) {
      this.#repeated.add(name);
      const first = this.members.findIndex((m) => m.name === name);
      if (first >= 0) {
        this.members.splice(first, 1);
        this.skip(name, 'duplicate-name');
      }
    }
    return false;
  }

  /** Whether the member named so is to be hashed (every one, unless one is wanted). */
  wants(name: string): boolean {
    return this.only === undefined || this.only === name;
  }

  skip(stored: Uint8Array | string, reason: SkipReason): undefined {
    const bytes = typeof stored === 'string' ? Buffer.from(stored) : stored;
    // Recorded when one member is wanted too: an odd entry anywhere refuses the archive as a keeper.
    this.skipped.push({ name: shownName(bytes), reason });
    return undefined;
  }

  /** Why the archive is not plain (see ArchiveListing.notPlain): the first reason found is kept. */
  notPlain: string | undefined;

  markNotPlain(why: string): void {
    this.notPlain ??= why;
  }

  add(member: ArchiveMember): void {
    // A copy of a repeated name still streaming when the repeat was listed (7z names are all known first).
    if (this.#repeated.has(member.name)) this.skip(member.name, 'duplicate-name');
    else this.members.push(member);
  }
}
