import { nameOf, type FsPath } from '../model/paths.js';

/**
 * What a file's extension promises, for the mismatch check (`photo.jpg` that is really a PNG). Only extensions
 * listed here are checked; an extension may allow several types where tools write either (`.mov` holding an MP4
 * brand, a `.docx` whose Word members lie past the bytes detection sees and so reads as plain zip).
 */
const ZIP = 'application/zip';
const EXPECTED: ReadonlyMap<string, readonly string[]> = new Map(
  (
    [
      ['jpg jpeg jpe jfif', ['image/jpeg']],
      ['png', ['image/png']],
      ['gif', ['image/gif']],
      ['webp', ['image/webp']],
      ['heic heif', ['image/heic', 'image/avif']],
      ['avif', ['image/avif']],
      ['tif tiff dng nef cr2 arw', ['image/tiff']],
      ['cr3', ['image/x-canon-cr3']],
      ['bmp', ['image/bmp']],
      ['ico', ['image/x-icon']],
      ['psd', ['image/vnd.adobe.photoshop']],
      ['jxl', ['image/jxl']],
      ['pdf', ['application/pdf']],
      ['zip', [ZIP, 'application/java-archive']],
      ['docx', ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', ZIP]],
      ['xlsx', ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ZIP]],
      ['pptx', ['application/vnd.openxmlformats-officedocument.presentationml.presentation', ZIP]],
      ['odt', ['application/vnd.oasis.opendocument.text', ZIP]],
      ['ods', ['application/vnd.oasis.opendocument.spreadsheet', ZIP]],
      ['odp', ['application/vnd.oasis.opendocument.presentation', ZIP]],
      ['epub', ['application/epub+zip', ZIP]],
      ['jar', ['application/java-archive', ZIP]],
      ['gz tgz', ['application/gzip']],
      ['bz2 tbz2', ['application/x-bzip2']],
      ['xz txz', ['application/x-xz']],
      ['zst', ['application/zstd']],
      ['7z', ['application/x-7z-compressed']],
      ['rar', ['application/vnd.rar']],
      ['tar', ['application/x-tar']],
      ['mp3', ['audio/mpeg']],
      ['flac', ['audio/flac']],
      ['ogg oga opus', ['audio/ogg', 'application/ogg']],
      ['ogv', ['video/ogg', 'application/ogg']],
      ['wav', ['audio/wav']],
      ['aif aiff', ['audio/aiff']],
      ['mid midi', ['audio/midi']],
      ['m4a', ['audio/mp4', 'video/mp4']],
      ['mp4 m4v', ['video/mp4', 'video/x-m4v', 'audio/mp4']],
      ['mov qt', ['video/quicktime', 'video/mp4']],
      ['3gp', ['video/3gpp', 'video/mp4']],
      ['mkv', ['video/x-matroska', 'video/webm']],
      ['webm', ['video/webm', 'video/x-matroska']],
      ['avi', ['video/x-msvideo']],
      ['sqlite sqlite3', ['application/vnd.sqlite3']],
      ['exe dll', ['application/vnd.microsoft.portable-executable']],
      ['wasm', ['application/wasm']],
      ['woff', ['font/woff']],
      ['woff2', ['font/woff2']],
      ['otf', ['font/otf']],
      ['ttf', ['font/ttf']],
    ] as const
  ).flatMap(([names, types]) => names.split(' ').map((name) => [name, types] as const)),
);

/** The types a path's extension promises (lower-cased), or `undefined` when the extension is not one we check. */
export function expectedTypes(path: FsPath): readonly string[] | undefined {
  const name = nameOf(path);
  const dot = name.lastIndexOf(0x2e);
  if (dot <= 0 || name.length - dot > 8) return undefined;
  return EXPECTED.get(
    name
      .subarray(dot + 1)
      .toString('latin1')
      .toLowerCase(),
  );
}

/**
 * True when the path's extension promises another type than its content has. Unknown either way (an extension
 * not in the table, or no type detected) is no mismatch: we only say what we know.
 */
export function extensionMismatch(path: FsPath, type: string | null | undefined): boolean {
  if (type === null || type === undefined) return false;
  const expected = expectedTypes(path);
  return expected !== undefined && !expected.includes(type);
}
