import { fromBytes, type FsPath } from '../model/paths.js';
import { badPeerOutput, type PeerFormat } from './peer-output.js';

const SIMPLE: Record<string, number> = { '\\': 0x5c, n: 0x0a, t: 0x09, r: 0x0d };

/**
 * A path as fclones writes it in every report (STFU8): UTF-8 text with a backslash before `\`, and `\n`, `\t`,
 * `\r`, `\xHH` (a byte that is a control character or not UTF-8) or `\u{HEX}` for the rest. So fclones' reports
 * carry any name, newlines too.
 */
export function decodeFclonesPath(text: string, format: PeerFormat): FsPath {
  if (!text.includes('\\')) return text;
  const bytes: Buffer[] = [];
  let plain = '';
  const flush = () => {
    if (plain !== '') bytes.push(Buffer.from(plain));
    plain = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      plain += c;
      continue;
    }
    const next = text[i + 1] ?? '';
    if (next in SIMPLE) {
      flush();
      bytes.push(Buffer.of(SIMPLE[next]!));
      i++;
    } else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      flush();
      bytes.push(Buffer.of(parseInt(text.slice(i + 2, i + 4), 16)));
      i += 3;
    } else if (next === 'u' && /^\{[0-9a-fA-F]{1,6}\}/.test(text.slice(i + 2))) {
      const end = text.indexOf('}', i);
      plain += String.fromCodePoint(parseInt(text.slice(i + 3, end), 16));
      i = end;
    } else {
      throw badPeerOutput(format, 'a path holds an escape fclones does not write');
    }
  }
  flush();
  return fromBytes(Buffer.concat(bytes));
}
