import { isUtf8 } from 'node:buffer';
import type { FileKind } from '../serve/protocol.js';
import { toBytes, type FsPath } from '../model/paths.js';

/** File name extensions (lower case, no dot) by coarse kind: the one table every kind the API shows comes from. */
const EXTENSIONS: Record<Exclude<FileKind, 'other'>, readonly string[]> = {
  image: [
    ...['jpg', 'jpeg', 'png', 'gif', 'webp', 'bmp', 'tif', 'tiff', 'heic', 'heif', 'avif', 'svg', 'ico'],
    ...['raw', 'cr2', 'nef', 'arw', 'dng', 'orf', 'rw2', 'psd'],
  ],
  video: [
    'mp4',
    'm4v',
    'mov',
    'avi',
    'mkv',
    'webm',
    'wmv',
    'flv',
    'mpg',
    'mpeg',
    '3gp',
    'mts',
    'm2ts',
    'vob',
  ],
  audio: [
    'mp3',
    'flac',
    'wav',
    'ogg',
    'oga',
    'opus',
    'm4a',
    'aac',
    'wma',
    'aif',
    'aiff',
    'ape',
    'mid',
    'midi',
  ],
  document: [
    ...['pdf', 'doc', 'docx', 'odt', 'rtf', 'xls', 'xlsx', 'ods', 'ppt', 'pptx', 'odp', 'epub', 'mobi'],
    ...['djvu', 'pages', 'numbers', 'key'],
  ],
  text: [
    ...['txt', 'md', 'markdown', 'rst', 'csv', 'tsv', 'json', 'ndjson', 'xml', 'html', 'htm', 'css', 'js'],
    ...['mjs', 'cjs', 'ts', 'tsx', 'jsx', 'py', 'rb', 'go', 'rs', 'c', 'h', 'cc', 'cpp', 'hpp', 'java', 'kt'],
    ...[
      'swift',
      'sh',
      'bash',
      'zsh',
      'toml',
      'yaml',
      'yml',
      'ini',
      'cfg',
      'conf',
      'log',
      'sql',
      'tex',
      'srt',
    ],
    ...['vtt', 'php', 'pl', 'lua'],
  ],
  archive: [
    ...[
      'zip',
      'tar',
      'gz',
      'tgz',
      'bz2',
      'tbz2',
      'xz',
      'txz',
      'zst',
      '7z',
      'rar',
      'iso',
      'dmg',
      'deb',
      'rpm',
    ],
    ...['jar', 'apk', 'cab', 'lz', 'lzma'],
  ],
};

/** Text formats that show as another kind (an SVG is an image) but whose bytes read as text. */
const TEXT_OF_OTHER_KINDS = ['svg'];

const BY_EXTENSION = new Map<string, FileKind>();
for (const [kind, extensions] of Object.entries(EXTENSIONS) as [FileKind, readonly string[]][]) {
  for (const ext of extensions) BY_EXTENSION.set(ext, kind);
}
const TEXT = new Set([...EXTENSIONS.text, ...TEXT_OF_OTHER_KINDS]);

/**
 * The extension of a path's last name, lower case without the dot; undefined when it has none (no dot, a
 * dotfile such as `.profile`, a trailing dot) or when its bytes are not UTF-8.
 */
export function extensionOf(path: FsPath): string | undefined {
  const bytes = toBytes(path);
  const slash = bytes.lastIndexOf(0x2f);
  const dot = bytes.lastIndexOf(0x2e);
  if (dot <= slash + 1 || dot === bytes.length - 1) return undefined;
  const ext = bytes.subarray(dot + 1);
  return isUtf8(ext) ? ext.toString().toLowerCase() : undefined;
}

/** A file's coarse kind by its name's extension: `other` when the extension says nothing. */
export function kindOf(path: FsPath): FileKind {
  const ext = extensionOf(path);
  return (ext === undefined ? undefined : BY_EXTENSION.get(ext)) ?? 'other';
}

/** Whether the name says the content is text (text files, and text formats of other kinds such as SVG). */
export function hasTextExtension(path: FsPath): boolean {
  const ext = extensionOf(path);
  return ext !== undefined && TEXT.has(ext);
}
