/** How much of a file a text preview shows. */
export const EXCERPT_BYTES = 4096;

export type Excerpt = { ok: true; text: Buffer } | { ok: false; reason: string };

/**
 * The text preview of a file's first bytes, as UTF-8: valid UTF-8 without a NUL is shown as it is (a character
 * cut at the end of the excerpt is left out, a byte order mark dropped); a file whose name says it is text
 * (`lossy`) is shown even when it is not UTF-8, each stray byte as U+FFFD. A NUL means binary: no excerpt.
 */
export function textExcerpt(head: Buffer, truncated: boolean, lossy: boolean): Excerpt {
  if (head.includes(0)) return { ok: false, reason: 'the file is binary (it holds NUL bytes)' };
  let text: string;
  try {
    // Streaming keeps a multi-byte character cut by the excerpt's end out of the text, instead of an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: truncated });
  } catch {
    if (!lossy) return { ok: false, reason: 'the file is not text (its first bytes are not UTF-8)' };
    text = new TextDecoder('utf-8').decode(head, { stream: truncated });
  }
  return { ok: true, text: Buffer.from(text) };
}
