/**
 * Previews served by nodupe: thumbnails and text excerpts, fetched with the page's session (an `<img src>` could
 * not send it) once per file and kept for the page's life, the fewest recently used thumbnails forgotten first.
 */
import type { FileId } from '../serve/protocol.js';
import { pageFetch } from './page-fetch.js';

/** Thumbnails kept (each a small WebP, a few KiB). */
const KEPT_THUMBS = 500;

const thumbs = new Map<FileId, Promise<Blob | undefined>>();
const excerpts = new Map<FileId, Promise<string>>();

function thumbBlob(id: FileId): Promise<Blob | undefined> {
  let blob = thumbs.get(id);
  if (blob) {
    thumbs.delete(id);
  } else {
    blob = pageFetch(`/files/${id}/thumb`, {}).then(
      async (response) => (response.ok ? response.blob() : undefined),
      () => undefined,
    );
  }
  thumbs.set(id, blob);
  if (thumbs.size > KEPT_THUMBS) thumbs.delete(thumbs.keys().next().value!);
  return blob;
}

/** Shows the file's thumbnail in `img` once it is on screen (or says there is none, in its `alt`). */
export function showThumb(img: HTMLImageElement, id: FileId): void {
  const load = (): void =>
    void thumbBlob(id).then((blob) => {
      if (!blob) {
        img.alt = 'No preview';
        return;
      }
      const url = URL.createObjectURL(blob);
      const done = (): void => URL.revokeObjectURL(url);
      img.addEventListener('load', done, { once: true });
      img.addEventListener('error', done, { once: true });
      img.src = url;
    });
  if (typeof IntersectionObserver === 'undefined') {
    load();
    return;
  }
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((entry) => entry.isIntersecting)) return;
    observer.disconnect();
    load();
  });
  observer.observe(img);
}

/** The text excerpt of a file (cached for the page's life; a failure is shown as text, not thrown). */
export function textExcerpt(id: FileId): Promise<string> {
  let excerpt = excerpts.get(id);
  if (!excerpt) {
    excerpt = pageFetch(`/files/${id}/text`, {}).then(
      async (response) =>
        response.ok ? response.text() : `(no preview: ${response.status} ${response.statusText})`,
      () => '(no preview: the server cannot be reached)',
    );
    excerpts.set(id, excerpt);
  }
  return excerpt;
}
