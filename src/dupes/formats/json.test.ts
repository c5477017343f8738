import { describe, expect, it } from 'vitest';
import type { DuplicateGroup, PhysicalFile } from '../../model/groups.js';
import type { DupesReport } from '../report.js';
import { jsonFormat } from './json.js';

const file = (path: string | Buffer, i: number): PhysicalFile => ({
  id: i,
  paths: [path],
  ...(i % 2 ? { aliases: ['/alias'] } : {}),
  dev: 1n,
  ino: BigInt(i),
  size: 3,
  mtimeNs: 5n,
  ctimeNs: 6n,
  root: 0,
});

function render(groups: DuplicateGroup[]): string {
  const report = {
    algorithm: 'xxh3',
    roots: ['/r'],
    summary: { groups: groups.length },
    groups,
    problems: [],
    changed: [],
  } as unknown as DupesReport;
  let text = '';
  jsonFormat.render(report, { write: (chunk) => void (text += chunk.toString()) });
  return text;
}

describe('the json format', () => {
  it('writes its groups one by one, and the document reads as JSON.stringify would lay it out', () => {
    for (const groups of [
      [],
      [{ size: 3, hash: 'ab', files: [file('/a', 1), file('/b\n"quoted"', 2)] }],
      [
        { size: 3, hash: 'ab', files: [file('/a', 1), file('/b', 2)] },
        { size: 0, hash: '', files: [file('/c', 3), file(Buffer.from([0x2f, 0xff]), 4)] },
      ],
    ]) {
      const text = render(groups);
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect((JSON.parse(text) as { groups: unknown[] }).groups).toHaveLength(groups.length);
    }
  });
});
