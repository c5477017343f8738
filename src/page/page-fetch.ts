/** The page's one `fetch` for its own server: with the session's credential once main.ts has signed the page in. */
import type { Fetch } from './session.js';

let current: Fetch = (url, init) => fetch(url, init);

export const pageFetch: Fetch = (url, init) => current(url, init);

export function usePageFetch(fetchFn: Fetch): void {
  current = fetchFn;
}

/** Fetches `url` with the session and saves it as `filename` (a link could not send the session). */
export async function download(url: string, filename: string): Promise<void> {
  const response = await pageFetch(url, {});
  if (!response.ok) throw new Error(`The server answered ${response.status} for ${url}.`);
  const href = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked at once, a large file might not be saved yet.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}
