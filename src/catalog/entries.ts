import type { HashAlgorithm } from '../hash/algorithms.js';
import type { FileIdentity } from '../model/identity.js';

/**
 * Read-only catalog entries: files the catalog knows that are not loose files of this machine's file system,
 * such as the members of an archive. They are grouped with loose files by their content and never acted on.
 * Each belongs to a container: an archive (by the catalog row of the archive file) or a manifest (by a label).
 */
export type ContainerKey = { kind: 'archive'; fileId: number } | { kind: 'manifest'; label: string };

/** Hashes of an entry by its container's algorithm, over the ranges a loose file is hashed by. */
export interface EntryHashes {
  head: string | undefined;
  tail: string | undefined;
  full: string;
}

/** One entry: its name in its container (validated text: a label, never joined onto a real path). */
export interface CatalogEntry {
  name: string;
  size: number;
  /** Its own modification time (wall-clock ms), when the container records one. */
  mtimeMs: number | undefined;
  /** Undefined for an entry whose content could not be read (an encrypted member): grouped with nothing. */
  hashes: EntryHashes | undefined;
  crc32?: number | undefined;
  encrypted?: boolean | undefined;
  /** The content's type, when detected. */
  type?: string | undefined;
}

/** What one reading of a container found, besides its entries. */
export interface ContainerRecord {
  key: ContainerKey;
  /** The archive file's identity when it was read: its entries hold while its catalog row still says so. */
  identity: FileIdentity | undefined;
  /** The archive's format (`zip`, `tar.gz`, …), or a manifest's schema. */
  format: string;
  algorithm: HashAlgorithm;
  /** Entries left out, counted by reason. */
  skipped: Readonly<Record<string, number>>;
  /** Why reading stopped before the end: the entries read before it are kept. */
  problem: { code: string; message: string } | undefined;
  /** Wall-clock ms. */
  readAt: number;
}

export interface StoredContainer extends ContainerRecord {
  id: number;
  /** How many entries it holds. */
  entries: number;
}

export interface StoredEntry extends CatalogEntry {
  container: ContainerKey;
  algorithm: HashAlgorithm;
}

/**
 * The entries of the catalog (`catalog.entries()`). A container is live while it is a manifest, or an archive
 * whose catalog row is not gone and still has the identity it was read with (inode, size, mtime and ctime; the
 * device is left out, as a shared catalog keeps it per machine): only live containers' entries are read.
 */
export interface EntryStore {
  /** Replaces a container's record and all of its entries, in one transaction. */
  replace(container: ContainerRecord, entries: readonly CatalogEntry[]): void;
  /** The containers of a kind, live or not, by id. */
  containers(kind: ContainerKey['kind']): StoredContainer[];
  /** Drops containers and their entries (one transaction); keys not held are ignored. */
  remove(keys: readonly ContainerKey[]): void;
  /** Drops the archives that are not live (their row gone, missing or changed), with their entries. Returns how many. */
  pruneArchives(): number;
  /** The entries of live containers that have a full hash by `algorithm`, ordered by size and full hash. */
  hashedEntries(algorithm: HashAlgorithm): IterableIterator<StoredEntry>;
  /** Ids of live (not gone) catalog rows whose size and full hash by `algorithm` some live entry has. */
  looseMatches(algorithm: HashAlgorithm): number[];
  /** The distinct sizes of the entries of live containers. */
  entrySizes(): number[];
}
