import { describe, expect, it } from 'vitest';
import { fclonesPath } from '../dupes/formats/peer-json.js';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { decodeFclonesPath } from './fclones-paths.js';
import type { PeerFormat } from './peer-output.js';
import { readPeerOutput } from './read-peer-output.js';
import { regroup } from './regroup.js';

const read = (text: string | Buffer, from?: PeerFormat) =>
  readPeerOutput(typeof text === 'string' ? Buffer.from(text) : text, from);

describe('readPeerOutput', () => {
  it('detects each format from its content', () => {
    const cases: [string | Buffer, PeerFormat, string[][]][] = [
      [
        '/a/x\n/a/y\n\n/b/z\n/b/w\n\n',
        'fdupes',
        [
          ['/a/x', '/a/y'],
          ['/b/z', '/b/w'],
        ],
      ],
      ['6 bytes each:\n/a/x\n/a/y\n\n', 'fdupes', [['/a/x', '/a/y']]],
      [
        '/a/x\\ 1 /a/back\\\\slash \n/b/z /b/w \n',
        'fdupes-1',
        [
          ['/a/x 1', '/a/back\\slash'],
          ['/b/z', '/b/w'],
        ],
      ],
      [
        Buffer.from('/a/x\0/a/new\nline\0\0/b/z\0/b/w\0\0'),
        'jdupes-0',
        [
          ['/a/x', '/a/new\nline'],
          ['/b/z', '/b/w'],
        ],
      ],
      [
        '{"matchSets":[{"fileSize":1,"fileList":[{"filePath":"/a/x"},{"filePath":"/a/y"}]}]}',
        'jdupes-json',
        [['/a/x', '/a/y']],
      ],
      [
        '[{"description":"rmlint json-dump of lint files"},{"type":"duplicate_file","checksum":"c","size":1,"path":"/a/x"},' +
          '{"type":"emptyfile","path":"/e"},{"type":"duplicate_file","checksum":"c","size":1,"path":"/a/y"},{"aborted":false}]',
        'rmlint-json',
        [['/a/x', '/a/y']],
      ],
      [
        '{"header":{"version":"0.34.0"},"groups":[{"file_len":1,"file_hash":"ab","files":["/a/x","/a/n\\\\nl"]}]}',
        'fclones-json',
        [['/a/x', '/a/n\nl']],
      ],
      [
        '# Report by fclones 0.34.0\nab12, 6 B (6 B) * 2:\n    /a/x\n    /a/t\\tab\n',
        'fclones',
        [['/a/x', '/a/t\tab']],
      ],
      ['size,hash,count,files\n6,ab,2,/a/x,"/a/com,ma"\n', 'fclones-csv', [['/a/x', '/a/com,ma']]],
      ['{"6":[[{"path":"/a/x","size":6},{"path":"/a/y","size":6}]]}', 'czkawka-json', [['/a/x', '/a/y']]],
      [
        '{"6":[[{"path":"/r/x"},[{"path":"/a/y"},{"path":"/a/z"}]]]}',
        'czkawka-json',
        [['/r/x', '/a/y', '/a/z']],
      ],
    ];
    for (const [text, format, groups] of cases) {
      expect(read(text), String(text)).toEqual({ format, groups });
    }
  });

  it('keeps a name that is not UTF-8 as its bytes', () => {
    const odd = Buffer.from([0x2f, 0x61, 0xff]);
    const { groups } = read(Buffer.concat([Buffer.from('/a/x\n'), odd, Buffer.from('\n\n')]));
    expect(groups[0]![1]).toEqual(odd);
  });
});

describe("fclones' escapes", () => {
  it('read back what nodupe writes, for every byte', () => {
    const names: (string | Buffer)[] = [
      '/plain',
      '/back\\slash',
      '/new\nline\ttab\r',
      '/café ☃ 😀',
      '/\x01\x7f',
    ];
    names.push(Buffer.from([0x2f, 0xff, 0xc3, 0xa9, 0x0a, 0xe2, 0x82]));
    for (const name of names) expect(decodeFclonesPath(fclonesPath(name), 'fclones')).toEqual(name);
  });
});

describe('regroup', () => {
  const file = (path: string, ino: number): PhysicalFile => ({
    id: ino,
    paths: [path],
    dev: 1n,
    ino: BigInt(ino),
    size: 3,
    mtimeNs: 0n,
    ctimeNs: 0n,
    root: ino,
  });
  const present = (path: string, group: number, ino: number) => ({
    path,
    group,
    dev: 1n,
    ino: BigInt(ino),
    size: 3,
  });

  it("cuts nodupe's groups along the tool's, and says which of the tool's came apart", () => {
    // nodupe: a, b, c, d are one content; e alone. The tool: {a, b, e} and {c, d}.
    const found: DuplicateGroup[] = [
      { size: 3, hash: 'h', files: [file('/a', 1), file('/b', 2), file('/c', 3), file('/d', 4)] },
    ];
    const { groups, split } = regroup(
      found,
      [
        present('/a', 0, 1),
        present('/b', 0, 2),
        present('/e', 0, 5),
        present('/c', 1, 3),
        present('/d', 1, 4),
      ],
      false,
    );
    expect(groups.map((g) => g.files.map((f) => [f.paths[0], f.root]))).toEqual([
      [
        ['/a', 0],
        ['/b', 0],
      ],
      [
        ['/c', 0],
        ['/d', 0],
      ],
    ]);
    expect(split).toEqual([{ first: '/a', files: 3, parts: 1, apart: 1 }]);
  });

  it('does not call two names of one inode a split group', () => {
    const { groups, split } = regroup([], [present('/a', 0, 1), present('/a-link', 0, 1)], false);
    expect(groups).toEqual([]);
    expect(split).toEqual([]);
  });
});
