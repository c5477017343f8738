import { fromBytes, parentOf, pathKey, toBytes, type FsPath } from '../model/paths.js';
import type { FollowedLink } from './walk.js';

/**
 * The paths by which followed symbolic links reach a file, given its real path: for a link to the file itself,
 * the link; for a link to a folder above it, the link plus the rest of the path. One level of links: a link
 * reached through another link is named by its real path, so a loop (a link to a folder above it) gives one
 * alias, not endless ones. Aliases are shown, never acted on and never written to the catalog.
 */
export function aliasFinder(followed: readonly FollowedLink[]): (real: FsPath) => FsPath[] {
  if (followed.length === 0) return () => [];
  const linksTo = new Map<string, FsPath[]>();
  for (const { link, real } of followed) {
    const key = pathKey(real);
    const links = linksTo.get(key);
    if (links) links.push(link);
    else linksTo.set(key, [link]);
  }
  return (real) => {
    const aliases: FsPath[] = [];
    const bytes = toBytes(real);
    for (let at: FsPath = real; ; at = parentOf(at)) {
      const links = linksTo.get(pathKey(at));
      if (links) {
        const rest = bytes.subarray(toBytes(at).length);
        for (const link of links) aliases.push(withRest(link, rest));
      }
      if (toBytes(at).length <= 1) break;
    }
    return aliases;
  };
}

function withRest(link: FsPath, rest: Buffer): FsPath {
  return rest.length === 0 ? link : fromBytes(Buffer.concat([toBytes(link), rest]));
}
