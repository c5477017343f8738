import type { ContentCopy } from '../catalog/copies.js';
import type { EntryStore } from '../catalog/entries.js';
import type { HashAlgorithm } from '../model/hashes.js';

/** How `nodupe where` names the place of a copy listed in an imported manifest (a disk not mounted now). */
const MANIFEST_MACHINE = '(manifest)';

/**
 * The files of imported manifests (`scan --from-manifest`) with each of these contents, as copies that are not
 * on this machine: at `LABEL:/path`, last seen when the manifest was written. One pass over the entries by
 * `algorithm`, for the few files `where` looks up.
 */
export function manifestCopies(
  entries: EntryStore,
  algorithm: HashAlgorithm,
  contents: readonly { size: number; hash: string }[],
): Map<string, ContentCopy[]> {
  const found = new Map<string, ContentCopy[]>(contents.map((c) => [contentKey(c.size, c.hash), []]));
  if (contents.length === 0) return found;
  const writtenAt = new Map(
    entries.containers('manifest').map((c) => [c.key.kind === 'manifest' ? c.key.label : '', c.readAt]),
  );
  for (const e of entries.hashedEntries(algorithm)) {
    if (e.container.kind !== 'manifest') continue;
    const list = found.get(contentKey(e.size, e.hashes!.full));
    list?.push({
      machine: MANIFEST_MACHINE,
      local: false,
      path: `${e.container.label}:/${e.name}`,
      size: e.size,
      hash: e.hashes!.full,
      lastSeen: writtenAt.get(e.container.label) ?? 0,
      // Not known from a manifest: never taken for this very file.
      ino: 0n,
      mtimeNs: BigInt(e.mtimeMs ?? 0) * 1_000_000n,
    });
  }
  return found;
}

export function contentKey(size: number, hash: string): string {
  return `${size}:${hash}`;
}
