import { readFileSync } from 'node:fs';

let names: Map<number, string> | undefined;

/** A user's name from /etc/passwd (read once), or null: names from a directory service are not looked up. */
export function userName(uid: number): string | null {
  if (names === undefined) {
    names = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id)))
          names.set(Number(id), name);
      }
    } catch {
      // No passwd file: no names.
    }
  }
  return names.get(uid) ?? null;
}
