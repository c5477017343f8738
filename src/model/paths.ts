import { isUtf8 } from 'node:buffer';

/**
 * A file system path as nodupe keeps it: a string when its bytes are valid UTF-8 (nearly always), and the raw
 * bytes otherwise, so that names which are not UTF-8 survive every round trip (fs calls take both forms).
 */
export type FsPath = string | Buffer;

const SLASH = 0x2f;

/** Joins a directory and an entry name read as bytes; the result is a string whenever it can be. */
export function joinName(dir: FsPath, name: Buffer): FsPath {
  if (typeof dir === 'string' && isUtf8(name)) {
    return dir.endsWith('/') ? dir + name.toString() : `${dir}/${name.toString()}`;
  }
  const dirBytes = toBytes(dir);
  const needsSlash = dirBytes[dirBytes.length - 1] !== SLASH;
  return Buffer.concat(needsSlash ? [dirBytes, Buffer.of(SLASH), name] : [dirBytes, name]);
}

export function toBytes(path: FsPath): Buffer {
  return typeof path === 'string' ? Buffer.from(path) : path;
}

/** The inverse of {@link toBytes}: a string when the bytes are UTF-8. */
export function fromBytes(bytes: Uint8Array): FsPath {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? buffer.toString() : Buffer.from(buffer);
}

/**
 * A string that identifies a path by its bytes, the same whichever form the path is in: the bytes read as
 * Latin-1, one character a byte. Used for Map keys, and by the catalog to match rows to walked paths.
 */
export function pathKey(path: FsPath): string {
  if (typeof path === 'string') return isAscii(path) ? path : Buffer.from(path).toString('latin1');
  return path.toString('latin1');
}

/** True when every character is below 0x80 (then the UTF-8 bytes read as Latin-1 give the string back). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A readable form for messages and text output; bytes that are not UTF-8 show as U+FFFD. */
export function displayPath(path: FsPath): string {
  return typeof path === 'string' ? path : path.toString();
}

/** A stable order for output: code-unit order for strings, byte order when either path is raw bytes. */
export function comparePaths(a: FsPath, b: FsPath): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(toBytes(a), toBytes(b));
}

/** The folder a path is in (the path itself for `/`), in the path's own form. */
export function parentOf(path: FsPath): FsPath {
  const bytes = toBytes(path);
  let end = bytes.length;
  while (end > 1 && bytes[end - 1] === SLASH) end--;
  const slash = bytes.lastIndexOf(SLASH, end - 1);
  const parent = slash <= 0 ? Buffer.from('/') : bytes.subarray(0, slash);
  return typeof path === 'string' ? parent.toString() : Buffer.from(parent);
}

/** The last component of a path, as bytes. */
export function nameOf(path: FsPath): Buffer {
  const bytes = toBytes(path);
  return bytes.subarray(bytes.lastIndexOf(SLASH) + 1);
}

/** An absolute path recreated below a folder: `/q` and `/home/a` give `/q/home/a`. */
export function mirrorUnder(folder: FsPath, absolute: FsPath): FsPath {
  const bytes = toBytes(absolute);
  let start = 0;
  while (bytes[start] === SLASH) start++;
  return joinName(folder, bytes.subarray(start));
}

/** A path in JSON documents: its text, plus its raw bytes in base64 when they are not UTF-8 (the text then shows U+FFFD). */
export function jsonPath(path: FsPath): { path: string; pathBytes?: string } {
  return typeof path === 'string'
    ? { path }
    : { path: displayPath(path), pathBytes: path.toString('base64') };
}

/** The inverse of {@link jsonPath}: the raw bytes when given, else the text. */
export function pathFromJson(text: string, base64: string | undefined): FsPath {
  return base64 === undefined ? text : fromBytes(Buffer.from(base64, 'base64'));
}

/**
 * Of `folders` (absolute, without a trailing slash; the empty one is `/`), those not lying under another, once
 * each, in byte order. Linear in their total length: each folder's ancestors are looked up, not every pair compared
 * (an import can name thousands of folders).
 */
export function outermostFolders(folders: readonly Buffer[]): Buffer[] {
  const sorted = [...new Map(folders.map((f) => [f.toString('latin1'), f])).values()].sort((a, b) =>
    Buffer.compare(a, b),
  );
  const kept = new Set<string>();
  const outer: Buffer[] = [];
  for (const folder of sorted) {
    const text = folder.toString('latin1');
    let under = kept.has('') && text.length > 0;
    for (let slash = text.indexOf('/', 1); !under && slash !== -1; slash = text.indexOf('/', slash + 1))
      under = kept.has(text.slice(0, slash));
    if (under) continue;
    kept.add(text);
    outer.push(folder);
  }
  return outer;
}
