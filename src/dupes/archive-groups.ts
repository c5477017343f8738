import { physicalFiles } from '../catalog/groups.js';
import type { StoredEntry } from '../catalog/entries.js';
import type { CatalogFile, CatalogStore } from '../catalog/store.js';
import { memberPath, sortGroups, type ArchiveMemberRef, type DuplicateGroup } from '../model/groups.js';
import { plainArchive } from '../archive/listing.js';
import { identityOf } from '../model/identity.js';
import { comparePaths, fromBytes, toBytes, type FsPath } from '../model/paths.js';
import { summarize, type DupesReport, type SameFolder } from './report.js';

/**
 * The report with the catalog's archive members added to its groups (`dupes --archives`): a member joins the
 * group of its content, and a content that only members share, or one loose file and members, makes a group of
 * its own. With roots (a report from a scan), only archives and loose files under them count. Members are
 * read-only: they never enter a plan, and the summary counts them apart. Also names the archives whose members
 * are exactly the files of some folder (`sameFolders`).
 *
 * With `kinds.manifests` (`dupes --manifests`), the files of imported manifests (`scan --from-manifest`: disks
 * not mounted now) join the same way, shown as `LABEL:/path`. They lie under no root: with roots, they join only
 * a content that a loose file or an archive under the roots has.
 */
export function withArchiveMembers(
  report: DupesReport,
  catalog: CatalogStore,
  includeEmpty: boolean,
  kinds: EntryKinds = { archives: true, manifests: false },
): DupesReport {
  const under = rootsFilter(report.roots);
  const entries = catalog.entries();
  const hashed = [...entries.hashedEntries(report.algorithm)].filter(
    (e) =>
      (e.container.kind === 'archive' ? kinds.archives : kinds.manifests) && (includeEmpty || e.size > 0),
  );
  if (hashed.length === 0) return report;
  const archives = new Map(
    catalog
      .filesById([...new Set(hashed.map(archiveId))])
      .filter((f) => under(f.path))
      .map((f) => [f.id, f]),
  );
  const plain = new Map(
    entries
      .containers('archive')
      .flatMap((c) => (c.key.kind === 'archive' ? [[c.key.fileId, plainArchive(c)] as const] : [])),
  );
  const members = new Map<string, { entry: StoredEntry; ref: ArchiveMemberRef }[]>();
  for (const entry of hashed) {
    const ref = refOf(entry, archives, plain);
    if (ref === undefined) continue;
    const key = contentKey(entry.size, entry.hashes!.full);
    const list = members.get(key);
    if (list) list.push({ entry, ref });
    else members.set(key, [{ entry, ref }]);
  }
  const loose = new Map<string, CatalogFile[]>();
  for (const f of catalog.filesById(entries.looseMatches(report.algorithm))) {
    if (!under(f.path) || f.hashes?.full === undefined) continue;
    const key = contentKey(f.size, f.hashes.full);
    const list = loose.get(key);
    if (list) list.push(f);
    else loose.set(key, [f]);
  }

  const groups: DuplicateGroup[] = report.groups.map((g) => {
    const key = contentKey(g.size, g.hash);
    const found = members.get(key);
    if (found === undefined) return g;
    members.delete(key);
    return { ...g, members: sortedRefs(found) };
  });
  for (const [key, found] of members) {
    const files = physicalFiles(loose.get(key) ?? []);
    if (files.length + found.length < 2) continue;
    if (report.roots.length > 0 && files.length === 0 && found.every((m) => m.ref.manifest)) continue;
    const { size, hashes } = found[0]!.entry;
    groups.push({ size, hash: hashes!.full, files, members: sortedRefs(found) });
  }
  const sameFolders = findSameFolders(catalog, report.algorithm, archives, hashed, loose);
  return {
    ...report,
    groups: sortGroups(groups),
    summary: summarize(groups),
    ...(sameFolders.length > 0 ? { sameFolders } : {}),
  };
}

/** Members in the order of their shown paths. */
function sortedRefs(found: readonly { ref: ArchiveMemberRef }[]): ArchiveMemberRef[] {
  return found.map((m) => m.ref).sort((a, b) => comparePaths(memberPath(a), memberPath(b)));
}

/** Which read-only entries join the groups: archive members, imported manifests' files. */
export interface EntryKinds {
  archives: boolean;
  manifests: boolean;
}

/** How an entry is shown: a member of an archive among `archives` (else undefined), or a manifest's file. */
function refOf(
  entry: StoredEntry,
  archives: ReadonlyMap<number, CatalogFile>,
  plain: ReadonlyMap<number, boolean>,
): ArchiveMemberRef | undefined {
  const { container, name, mtimeMs } = entry;
  if (container.kind === 'manifest') {
    return { archive: container.label, member: name, mtimeMs, manifest: true };
  }
  const archive = archives.get(container.fileId);
  return archive === undefined
    ? undefined
    : {
        archive: archive.path,
        member: name,
        mtimeMs,
        archiveIdentity: identityOf(archive),
        archivePlain: plain.get(container.fileId),
      };
}

function archiveId(e: StoredEntry): number {
  return e.container.kind === 'archive' ? e.container.fileId : -1;
}

function contentKey(size: number, hash: string): string {
  return `${size}:${hash}`;
}

/** Whether a path lies under one of the roots (every path when there are none). */
function rootsFilter(roots: readonly string[]): (path: FsPath) => boolean {
  if (roots.length === 0) return () => true;
  const prefixes = roots.map((r) => Buffer.from(r.endsWith('/') ? r : `${r}/`));
  const exact = roots.map((r) => Buffer.from(r));
  return (path) => {
    const bytes = toBytes(path);
    return (
      exact.some((r) => r.equals(bytes)) ||
      prefixes.some((p) => bytes.length > p.length && bytes.subarray(0, p.length).equals(p))
    );
  };
}

/**
 * Archives whose members are the very files below a folder: same names (relative to the folder, or to the
 * archive's one top folder), same contents, nothing more on either side. A folder is tried only when loose
 * copies of every member lie below it at the member's name, and then checked against all of its catalogued files.
 */
function findSameFolders(
  catalog: CatalogStore,
  algorithm: string,
  archives: ReadonlyMap<number, CatalogFile>,
  hashed: readonly StoredEntry[],
  loose: ReadonlyMap<string, CatalogFile[]>,
): SameFolder[] {
  const byArchive = new Map<number, StoredEntry[]>();
  for (const e of hashed) {
    if (!archives.has(archiveId(e))) continue;
    const list = byArchive.get(archiveId(e));
    if (list) list.push(e);
    else byArchive.set(archiveId(e), [e]);
  }
  const found: SameFolder[] = [];
  for (const [id, members] of byArchive) {
    for (const prefix of topFolders(members)) {
      const want = new Map(
        members.map((m) => [m.name.slice(prefix.length), contentKey(m.size, m.hashes!.full)]),
      );
      if (want.size !== members.length) continue;
      // The folder each loose copy would be in if it were the member of its name; kept when every member votes for it.
      let votes: Map<string, number> | undefined;
      for (const [name, key] of want) {
        const here = new Map<string, number>();
        for (const f of loose.get(key) ?? []) {
          const path = toBytes(f.path).toString('latin1');
          const tail = `/${Buffer.from(name).toString('latin1')}`;
          if (path.endsWith(tail)) here.set(path.slice(0, path.length - tail.length), 1);
        }
        votes = votes === undefined ? here : new Map([...votes].filter(([folder]) => here.has(folder)));
        if (votes.size === 0) break;
      }
      for (const folder of votes?.keys() ?? []) {
        const path = Buffer.from(folder, 'latin1');
        if (sameFiles(catalog, algorithm, path, want)) {
          found.push({ archive: archives.get(id)!.path, folder: fromBytes(path), files: want.size });
        }
      }
    }
  }
  return found;
}

/** '' and, when every member lies in one top folder, that folder with its slash. */
function topFolders(members: readonly StoredEntry[]): string[] {
  const first = members[0]!.name.split('/')[0]!;
  const top = `${first}/`;
  return members.every((m) => m.name.startsWith(top)) ? ['', top] : [''];
}

/** Whether the catalogued files below `folder` are exactly `want` (relative name → content). */
function sameFiles(
  catalog: CatalogStore,
  algorithm: string,
  folder: Buffer,
  want: ReadonlyMap<string, string>,
): boolean {
  const known = catalog.knownRows([folder.toString()]);
  if (known.count !== want.size) return false;
  for (let i = 0; i < known.count; i++) {
    const path = Buffer.from(known.paths.subarray(known.pathStart[i], known.pathStart[i + 1]));
    const name = path.subarray(folder.length + 1).toString();
    const full = known.full[i];
    if (known.algorithm[i] !== algorithm || !full || want.get(name) !== contentKey(known.size[i]!, full)) {
      return false;
    }
  }
  return true;
}
