/** Previews served by nodupe: a thumbnail URL, and text excerpts fetched once per file. */
import type { FileId } from '../serve/protocol.js';

export function thumbUrl(id: FileId): string {
  return `/files/${id}/thumb`;
}

const excerpts = new Map<FileId, Promise<string>>();

/** The text excerpt of a file (cached for the page's life; a failure is shown as text, not thrown). */
export function textExcerpt(id: FileId): Promise<string> {
  let excerpt = excerpts.get(id);
  if (!excerpt) {
    excerpt = fetch(`/files/${id}/text`, { credentials: 'same-origin' }).then(
      async (response) =>
        response.ok ? response.text() : `(no preview: ${response.status} ${response.statusText})`,
      () => '(no preview: the server cannot be reached)',
    );
    excerpts.set(id, excerpt);
  }
  return excerpt;
}
