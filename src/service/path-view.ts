import { displayPath, type FsPath } from '../model/paths.js';
import type { PathView } from '../serve/protocol.js';

/** A path as the API shows it: its text, and its raw bytes in base64 when they are not UTF-8. */
export function pathView(path: FsPath): PathView {
  return typeof path === 'string'
    ? { text: path }
    : { text: displayPath(path), base64: path.toString('base64') };
}
