import { NodupeError } from '../../core/errors.js';

export interface SimilarFolderOptions {
  /** Empty files take part (as one content) as in `dupes --include-empty`; left out by default. */
  includeEmpty?: boolean;
  /** The least share of one folder (by files or by bytes) the other must hold for a pair to be listed: 0.8. */
  minOverlap?: number;
  /** A content found directly in more folders than this pairs none of them (a LICENSE in 5,000 folders): 64. */
  maxFoldersPerContent?: number;
  /** Paths listed per side as "only here": 10 (the counts are always whole). */
  listLimit?: number;
}

export type ResolvedFolderOptions = Required<SimilarFolderOptions>;

/** The options with their defaults, each checked: a bad one is a BAD_INPUT error saying what was expected. */
export function resolveFolderOptions(options: SimilarFolderOptions = {}): ResolvedFolderOptions {
  const resolved = {
    includeEmpty: options.includeEmpty ?? false,
    minOverlap: options.minOverlap ?? 0.8,
    maxFoldersPerContent: options.maxFoldersPerContent ?? 64,
    listLimit: options.listLimit ?? 10,
  };
  if (!(resolved.minOverlap > 0 && resolved.minOverlap <= 1)) {
    throw bad('minOverlap', 'a share in (0, 1]', resolved.minOverlap);
  }
  if (!Number.isInteger(resolved.maxFoldersPerContent) || resolved.maxFoldersPerContent < 2) {
    throw bad('maxFoldersPerContent', 'an integer of at least 2', resolved.maxFoldersPerContent);
  }
  if (!Number.isInteger(resolved.listLimit) || resolved.listLimit < 0) {
    throw bad('listLimit', 'an integer of at least 0', resolved.listLimit);
  }
  return resolved;
}

function bad(name: string, expected: string, received: unknown): NodupeError {
  return new NodupeError('BAD_INPUT', `${name}: expected ${expected}, received ${String(received)}`);
}
