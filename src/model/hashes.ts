/** A hasher's name: a built-in one (see hash/algorithms.ts), or one a plugin provides. Stored with every hash. */
export type HashAlgorithm = string;

/** The part of a file a hash covers: its first block, its last block, or all of it. */
export type HashRange = 'head' | 'tail' | 'full';
