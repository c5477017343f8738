// Archives built byte by byte for the archive readers' tests: every field under the test's control, so a test can
// make one lie (sizes, offsets, names, kinds) the way a hostile archive would.
import { execFileSync } from 'node:child_process';
import { deflateRawSync, crc32 } from 'node:zlib';
import { findProgram } from '../../src/archive/programs.js';

export interface ZipEntrySpec {
  /** Stored as given: a string is written as UTF-8 (with the UTF-8 flag), bytes as they are (without it). */
  name: string | Uint8Array;
  data?: Uint8Array;
  /** 0 stored, 8 deflate (default), or another method number to store as is. */
  method?: number;
  /** A Unix mode for the external attributes (made by Unix), e.g. 0o120777 for a symlink. */
  mode?: number;
  encrypted?: boolean;
  /** Declared sizes, when they are to lie. */
  declaredSize?: number;
  /** Point the central directory entry at entry `n`'s local header instead of its own (overlapping entries). */
  sameDataAs?: number;
  /** The CRC-32 both headers declare, when it is to lie. */
  declaredCrc?: number;
  /** Info-ZIP Unicode Path extra fields (0x7075) in the central directory, naming the entry so instead. */
  unicodePath?: string | readonly string[];
  /** The "made by" system and the raw external attributes of the central record (instead of `mode`'s). */
  madeBy?: { system: number; attributes: number };
  /** What the local header alone says, when it is to differ from the central record. */
  local?: { size?: number; method?: number; flags?: number };
}

/** The 0x7075 extra field: version 1, the CRC-32 of the stored name, the UTF-8 name that replaces it. */
function unicodePathField(stored: Buffer, name: string): Buffer {
  const text = Buffer.from(name);
  const field = Buffer.alloc(4 + 5 + text.length);
  field.writeUInt16LE(0x7075, 0);
  field.writeUInt16LE(5 + text.length, 2);
  field.writeUInt8(1, 4);
  field.writeUInt32LE(crc32(stored), 5);
  text.copy(field, 9);
  return field;
}

/** A zip archive: local headers and data, a central directory, the end record. */
export function zipOf(specs: readonly ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  specs.forEach((spec) => {
    const name = typeof spec.name === 'string' ? Buffer.from(spec.name) : Buffer.from(spec.name);
    const data = Buffer.from(spec.data ?? new Uint8Array());
    const method = spec.method ?? 8;
    const packed = method === 8 ? deflateRawSync(data) : data;
    // An encrypted member's stored bytes start with a 12-byte encryption header (here, stand-in bytes).
    const stored = spec.encrypted ? Buffer.concat([noise(12, 9), packed]) : packed;
    const flags = (spec.encrypted ? 1 : 0) | (typeof spec.name === 'string' ? 0x800 : 0);
    const crc = spec.declaredCrc ?? crc32(data);
    const size = spec.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(spec.local?.flags ?? flags, 6);
    local.writeUInt16LE(spec.local?.method ?? method, 8);
    local.writeUInt16LE(0x21, 10); // 00:01:02
    local.writeUInt16LE(0x5a21, 12); // 2025-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(spec.local?.size ?? size, 22);
    local.writeUInt16LE(name.length, 26);
    offsets.push(offset);
    parts.push(local, name, stored);
    const entryOffset = spec.sameDataAs === undefined ? offset : offsets[spec.sameDataAs]!;
    offset += local.length + name.length + stored.length;
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    const system = spec.madeBy?.system ?? (spec.mode === undefined ? 0 : 3);
    c.writeUInt16LE((system << 8) | 20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(flags, 8);
    c.writeUInt16LE(method, 10);
    c.writeUInt16LE(0x21, 12);
    c.writeUInt16LE(0x5a21, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(stored.length, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(name.length, 28);
    const extra = Buffer.concat([spec.unicodePath ?? []].flat().map((u) => unicodePathField(name, u)));
    c.writeUInt16LE(extra.length, 30);
    c.writeUInt32LE(spec.madeBy?.attributes ?? (spec.mode === undefined ? 0 : (spec.mode << 16) >>> 0), 38);
    c.writeUInt32LE(entryOffset, 42);
    central.push(c, name, extra);
  });
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(specs.length, 8);
  end.writeUInt16LE(specs.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}

export interface TarEntrySpec {
  name: string | Uint8Array;
  data?: Uint8Array;
  /** The ustar type flag: '0' file (default), '1' hard link, '2' symlink, '3' char device, '4' block, '5' folder, '6' fifo. */
  type?: string;
  /** The size the header declares, when it is to lie (the data written is `data`). */
  declaredSize?: number;
  /** Put the name in a pax header (any length, any bytes). */
  pax?: boolean;
  /** More pax records for the entry (`GNU.sparse.major`, say). */
  paxRecords?: Record<string, string>;
  mtime?: number;
}

/** A ustar archive (with pax headers where asked), ending with two zero blocks. */
export function tarOf(specs: readonly TarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const spec of specs) {
    const name = typeof spec.name === 'string' ? Buffer.from(spec.name) : Buffer.from(spec.name);
    const data = Buffer.from(spec.data ?? new Uint8Array());
    const records = [
      ...(spec.pax ? [paxRecord('path', name)] : []),
      ...Object.entries(spec.paxRecords ?? {}).map(([key, value]) => paxRecord(key, Buffer.from(value))),
    ];
    if (records.length > 0) {
      const record = Buffer.concat(records);
      blocks.push(header(Buffer.from('PaxHeader'), 'x', record.length, 0), padded(record));
    }
    blocks.push(
      header(
        spec.pax ? Buffer.from('pax-named') : name,
        spec.type ?? '0',
        spec.declaredSize ?? data.length,
        spec.mtime ?? 1_700_000_000,
      ),
    );
    blocks.push(padded(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function header(name: Buffer, type: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(512);
  name.subarray(0, 100).copy(h, 0);
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  if (size < 8 ** 11) h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  else {
    // base-256, as GNU tar writes sizes of 8 GiB and more
    h[124] = 0x80;
    h.writeBigUInt64BE(BigInt(size), 128);
  }
  h.write(`${mtime.toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function padded(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

/** `data` compressed by Debian's program (`bzip2`, `xz`, `zstd`), or undefined when it is not installed. */
export function compressedBy(program: 'bzip2' | 'xz' | 'zstd', data: Uint8Array): Buffer | undefined {
  const path = findProgram([program]);
  return path === undefined ? undefined : execFileSync(path, ['-c'], { input: data, maxBuffer: 1 << 30 });
}

/** Deterministic bytes that do not compress. */
export function noise(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
