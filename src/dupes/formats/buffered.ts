import type { Output } from './format.js';

/** About how much a buffered output gathers before it writes. */
const CHUNK = 64 * 1024;

/**
 * An output that gathers what is written and passes it on in chunks of about 64 KiB: a report of a million
 * paths is then a few hundred writes to stdout, not millions of system calls. `flush` writes what is left;
 * nothing is reordered, and raw bytes (paths that are not UTF-8) pass through untouched.
 */
export function buffered(out: Output): Output & { flush(): void } {
  let parts: (string | Buffer)[] = [];
  let size = 0;
  let text = true;
  const flush = (): void => {
    if (parts.length === 0) return;
    const chunk = text
      ? (parts as string[]).join('')
      : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    parts = [];
    size = 0;
    text = true;
    out.write(chunk);
  };
  return {
    write(chunk) {
      parts.push(chunk);
      size += chunk.length;
      if (typeof chunk !== 'string') text = false;
      if (size >= CHUNK) flush();
    },
    flush,
  };
}

/** Runs `write` on a buffered `out`, and flushes what is left (also when `write` throws). */
export function writeBuffered(out: Output, write: (buffered: Output) => void): void {
  const output = buffered(out);
  try {
    write(output);
  } finally {
    output.flush();
  }
}
