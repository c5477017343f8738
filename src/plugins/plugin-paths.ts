/**
 * A path whose bytes are not UTF-8 is a Buffer (see `FsPath`), but a Buffer crosses into a worker as a plain
 * Uint8Array (the structured clone knows no Buffer), which prints as a list of numbers. The sandbox gives every
 * Uint8Array in a call's arguments back its Buffer form (a view, no copy) before a plugin sees it, wherever it
 * sits (a report's paths, problems and changed files, a file's paths and aliases), so that a path a plugin gets
 * prints as text (`String(path)`), writes as its bytes (`out.write(path)`) and opens with `fs`.
 */
export function restoreBuffers<T>(value: T): T {
  return restore(value) as T;
}

function restore(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'object' && item !== null) record[key] = restore(item);
  }
  return value;
}
