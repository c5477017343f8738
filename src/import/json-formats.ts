import type { FsPath } from '../model/paths.js';
import { decodeFclonesPath } from './fclones-paths.js';
import { badPeerOutput, type PeerFormat } from './peer-output.js';

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(format: PeerFormat, v: Json, where: string, is: (x: Json) => x is T, what: string): T {
  if (!is(v)) throw badPeerOutput(format, `${where} is not ${what}`);
  return v;
}
const isString = (v: Json): v is string => typeof v === 'string';
const isArray = (v: Json): v is Json[] => Array.isArray(v);

/** The JSON formats, told apart by their shape; undefined when it is none of them. */
export function jsonFormatOf(doc: Json): PeerFormat | undefined {
  if (Array.isArray(doc)) {
    const head: Json = (doc as Json[])[0];
    return isObject(head) && typeof head.description === 'string' && head.description.startsWith('rmlint')
      ? 'rmlint-json'
      : undefined;
  }
  if (!isObject(doc)) return undefined;
  if (Array.isArray(doc.matchSets)) return 'jdupes-json';
  if (isObject(doc.header) && Array.isArray(doc.groups)) return 'fclones-json';
  if (Object.values(doc).every(isCzkawkaValue)) return 'czkawka-json';
  return undefined;
}

/** `jdupes -j`: `{ "matchSets": [{ "fileSize": N, "fileList": [{ "filePath": "/…" }] }] }`. */
export function readJdupesJson(doc: Json): FsPath[][] {
  const f: PeerFormat = 'jdupes-json';
  const sets = field(f, (doc as Record<string, Json>).matchSets, 'matchSets', isArray, 'a list');
  return sets.map((set, i) => {
    const list = field(
      f,
      isObject(set) ? set.fileList : undefined,
      `matchSets[${i}].fileList`,
      isArray,
      'a list',
    );
    return list.map((entry, j) =>
      field(
        f,
        isObject(entry) ? entry.filePath : undefined,
        `matchSets[${i}].fileList[${j}].filePath`,
        isString,
        'a path',
      ),
    );
  });
}

/**
 * `rmlint -o json`: a list of a header, one entry per file found, and a footer. The entries of type
 * `duplicate_file` sharing a checksum and size are a group (other lint, such as empty files, is left aside).
 */
export function readRmlintJson(doc: Json): FsPath[][] {
  const f: PeerFormat = 'rmlint-json';
  const groups = new Map<string, FsPath[]>();
  (doc as Json[]).forEach((entry, i) => {
    if (!isObject(entry) || entry.type !== 'duplicate_file') return;
    const path = field(f, entry.path, `entry ${i}: path`, isString, 'a path');
    const key = `${String(entry.size)}:${String(entry.checksum)}`;
    const group = groups.get(key);
    if (group) group.push(path);
    else groups.set(key, [path]);
  });
  return [...groups.values()];
}

/** `fclones group -f json`: `{ "header": {…}, "groups": [{ "file_len", "file_hash", "files": ["/…"] }] }`. */
export function readFclonesJson(doc: Json): FsPath[][] {
  const f: PeerFormat = 'fclones-json';
  return ((doc as Record<string, Json>).groups as Json[]).map((group, i) => {
    const files = field(
      f,
      isObject(group) ? group.files : undefined,
      `groups[${i}].files`,
      isArray,
      'a list',
    );
    return files.map((p, j) =>
      decodeFclonesPath(field(f, p, `groups[${i}].files[${j}]`, isString, 'a path'), f),
    );
  });
}

interface CzkawkaEntry {
  path: string;
}
const isEntry = (v: Json): v is CzkawkaEntry => isObject(v) && typeof v.path === 'string';
/** A pair of a reference file and its copies, as czkawka writes groups with reference folders. */
const isReferenced = (v: Json): v is [CzkawkaEntry, CzkawkaEntry[]] =>
  Array.isArray(v) && v.length === 2 && isEntry(v[0]) && Array.isArray(v[1]) && v[1].every(isEntry);
const isGroup = (v: Json): v is CzkawkaEntry[] => Array.isArray(v) && v.every(isEntry);
function isCzkawkaValue(v: Json): boolean {
  return Array.isArray(v) && (isGroup(v) || v.every((g) => isGroup(g) || isReferenced(g)));
}

/**
 * czkawka's `dup` results saved as JSON (`-C`/`--compact-file-to-save`, or pretty): by size, a list of groups of
 * entries `{ "path", "modified_date", "size", "hash" }`; `{ "6": [[{…}, {…}]] }`. With reference folders each group
 * is a pair `[reference, [copies]]`; by size or name alone, each value is one group.
 */
export function readCzkawkaJson(doc: Json): FsPath[][] {
  const groups: FsPath[][] = [];
  for (const value of Object.values(doc as Record<string, Json[]>)) {
    if (isGroup(value)) {
      groups.push(value.map((e) => e.path));
      continue;
    }
    for (const group of value) {
      if (isReferenced(group)) groups.push([group[0].path, ...group[1].map((e) => e.path)]);
      else groups.push((group as CzkawkaEntry[]).map((e) => e.path));
    }
  }
  return groups;
}
