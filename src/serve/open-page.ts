import { writePrivateFile } from './runtime-dir.js';

/** The page `--open` hands to the browser, in the runtime folder. */
export const OPEN_PAGE_FILE = 'open.html';

const escapeAttribute = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * Writes a new 0600 page to the runtime folder `dir` that sends the browser on to `url` (a login URL), and returns
 * its path. The opener is given this file's path, which anyone may see in a process list; the ticket stays in the
 * file, which only the user can read.
 */
export function writeOpenPage(dir: string, url: string): string {
  const href = escapeAttribute(url);
  return writePrivateFile(
    dir,
    OPEN_PAGE_FILE,
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
      `<meta http-equiv="refresh" content="0;url=${href}"><title>nodupe</title></head>` +
      `<body><p><a href="${href}">Open nodupe</a></p></body></html>\n`,
  );
}
