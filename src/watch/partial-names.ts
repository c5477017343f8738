/**
 * The endings browsers and download tools give a file while it is still arriving; the file gets its final name
 * by a rename once it is complete, so a file with one of these names is never reported, only its renamed self.
 * Firefox `.part`, Chrome and Edge `.crdownload`, Safari `.download`, Opera `.opdownload`, WinSCP `.filepart`,
 * qBittorrent `.!qB`, µTorrent `.!ut`, and the generic `.partial`, `.tmp`, `.temp`.
 */
export const PARTIAL_ENDINGS: readonly string[] = [
  '.part',
  '.partial',
  '.crdownload',
  '.download',
  '.opdownload',
  '.filepart',
  '.!qb',
  '.!ut',
  '.tmp',
  '.temp',
];

/** Whether a file name says the file is still being downloaded or written under a temporary name. */
export function isPartialName(name: string): boolean {
  const lower = name.toLowerCase();
  return PARTIAL_ENDINGS.some((ending) => lower.endsWith(ending) && lower.length > ending.length);
}
