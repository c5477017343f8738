import { isUtf8 } from 'node:buffer';
import { printableName } from '../core/printable.js';

/** The longest member name read, in bytes (as the longest path Linux takes). */
export const MAX_NAME_BYTES = 4096;

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const DOT = 0x2e;

/**
 * A member's stored name checked to be a safe label: relative, `/`-separated, without a `.` or `..` part, an
 * empty part, a backslash or a NUL, at most {@link MAX_NAME_BYTES} bytes. A leading `./` (as `tar -C dir .`
 * writes) is dropped; a trailing `/` marks a folder and is dropped too. Undefined: the name is unsafe. The
 * bytes are read as UTF-8, or when they are not UTF-8, as `legacy` says (zip's CP437; otherwise unsafe).
 */
export function safeName(stored: Uint8Array, legacy: 'cp437' | 'none'): string | undefined {
  if (stored.length === 0 || stored.length > MAX_NAME_BYTES) return undefined;
  let start = 0;
  while (stored[start] === DOT && stored[start + 1] === SLASH) start += 2;
  let end = stored.length;
  if (end > start && stored[end - 1] === SLASH) end--;
  if (end <= start || stored[start] === SLASH) return undefined;
  let partStart = start;
  for (let i = start; i <= end; i++) {
    const byte = i === end ? SLASH : stored[i]!;
    if (byte === 0 || byte === BACKSLASH) return undefined;
    if (byte !== SLASH) continue;
    const length = i - partStart;
    if (length === 0) return undefined;
    if (stored[partStart] === DOT && (length === 1 || (length === 2 && stored[partStart + 1] === DOT))) {
      return undefined;
    }
    partStart = i + 1;
  }
  const bytes = Buffer.from(stored.buffer, stored.byteOffset + start, end - start);
  if (isUtf8(bytes)) return bytes.toString('utf8');
  return legacy === 'cp437' ? cp437(bytes) : undefined;
}

/** A stored name made printable for a report: control bytes and bytes that are not UTF-8 escaped, cut short. */
export function shownName(stored: Uint8Array): string {
  const text = Buffer.from(stored.buffer, stored.byteOffset, Math.min(stored.length, 600)).toString('utf8');
  const out = printableName(text, 300);
  return out.length >= 300 ? `${out.slice(0, 299)}…` : out;
}

/** The upper half of code page 437, the zip format's encoding for names without its UTF-8 flag. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function cp437(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80]!;
  return out;
}
