const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');
const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');
const windows1252 = new TextDecoder('windows-1252');

/**
 * Bytes to text, never failing: a byte-order mark decides UTF-8 or UTF-16 (so does a start whose every other
 * byte is zero: UTF-16 text in Latin script without a mark); otherwise UTF-8 when the bytes are
 * valid UTF-8, else Windows-1252 (a superset of Latin-1, what older text files mostly are), so an accented word
 * stays one word instead of breaking at a replacement character.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return utf8Lenient.decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return utf16le.decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return utf16be.decode(bytes.subarray(2));
  const utf16 = utf16WithoutMark(bytes);
  if (utf16 !== undefined) return utf16.decode(bytes);
  try {
    return utf8.decode(bytes);
  } catch {
    return windows1252.decode(bytes);
  }
}

/** UTF-16 without a byte-order mark: in its first 512 bytes, most bytes on one side of each pair are zero. */
function utf16WithoutMark(bytes: Uint8Array): typeof utf16le | undefined {
  const length = Math.min(bytes.length, 512) & ~1;
  if (length < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < length; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = length / 2;
  if (oddZeros > pairs * 0.6 && evenZeros < pairs * 0.1) return utf16le;
  if (evenZeros > pairs * 0.6 && oddZeros < pairs * 0.1) return utf16be;
  return undefined;
}
