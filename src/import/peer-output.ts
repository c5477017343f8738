import { NodupeError } from '../core/errors.js';
import { toBytes, type FsPath } from '../model/paths.js';

/** The outputs of other duplicate finders that `nodupe import` reads. */
export const PEER_FORMATS = [
  'fdupes',
  'fdupes-1',
  'jdupes-0',
  'jdupes-json',
  'rmlint-json',
  'fclones',
  'fclones-json',
  'fclones-csv',
  'czkawka-json',
] as const;
export type PeerFormat = (typeof PEER_FORMATS)[number];

/** What each format is, in the user's words. */
export const PEER_FORMAT_NAMES: Record<PeerFormat, string> = {
  fdupes: 'fdupes/jdupes text (blank-line-separated groups)',
  'fdupes-1': 'fdupes -1 text (one group a line)',
  'jdupes-0': 'jdupes -0 output (NUL-separated)',
  'jdupes-json': 'jdupes JSON (-j)',
  'rmlint-json': 'rmlint JSON (-o json)',
  fclones: 'fclones text report',
  'fclones-json': 'fclones JSON (-f json)',
  'fclones-csv': 'fclones CSV (-f csv)',
  'czkawka-json': 'czkawka JSON',
};

export function isPeerFormat(text: string): text is PeerFormat {
  return (PEER_FORMATS as readonly string[]).includes(text);
}

/** Groups of paths as another tool reported them: nothing in them is trusted. */
export interface PeerOutput {
  format: PeerFormat;
  groups: FsPath[][];
}

/** Whether a format has one path a line, where a name holding a newline cannot be told from two names. */
export function isLineBased(format: PeerFormat): boolean {
  return format === 'fdupes' || format === 'fdupes-1';
}

/** A peer output that cannot be read: bad input, exit 2, nothing written. */
export function badPeerOutput(format: PeerFormat | undefined, message: string, hint?: string): NodupeError {
  const what = format === undefined ? '' : `${PEER_FORMAT_NAMES[format]}: `;
  return new NodupeError('BAD_INPUT', `${what}${message}`, hint === undefined ? undefined : { hint });
}

/** The hint for a path that is not absolute in a line-based output: run from where, or a name with a newline. */
const RELATIVE_HINT =
  'run the tool on absolute folders (fdupes -r "$PWD"), so that every path names one file wherever it is read; ' +
  'a name holding a newline cannot be written one a line: use jdupes -j or rmlint -o json for such names';

/**
 * Every path must be absolute: a relative one would be read against a folder the tool may not have run in. The
 * path is named by its place (the group and its rank there), never quoted: the input may be any file, one the
 * user may not read included, read as this format by --from.
 */
export function checkAbsolute(output: PeerOutput): PeerOutput {
  for (const [g, group] of output.groups.entries()) {
    for (const [p, path] of group.entries()) {
      if (toBytes(path)[0] !== 0x2f) {
        throw badPeerOutput(
          output.format,
          `path ${p + 1} of group ${g + 1} is not an absolute path${isLineBased(output.format) ? ' (or is the rest of a name holding a newline)' : ''}`,
          RELATIVE_HINT,
        );
      }
    }
  }
  return output;
}
