/** Characters that reorder the text around them (bidirectional overrides and isolates). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * Text from an untrusted source (a name inside an archive, a path in a manifest from another machine) as a
 * terminal may show it: control characters (C0, DEL, C1) written as `\\xHH`, bidirectional controls as `\\uHHHH`
 * and U+FFFD (a byte that was not UTF-8) as `\\ufffd`, so that it can neither move the cursor, reorder a line nor
 * forge one. Stops once `limit` characters are written.
 */
export function printableName(text: string, limit = Infinity): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (BIDI_CONTROLS.test(ch)) out += `\\u${code.toString(16)}`;
    else if (code === 0xfffd) out += '\\ufffd';
    else out += ch;
    if (out.length >= limit) break;
  }
  return out;
}
