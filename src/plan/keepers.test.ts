import { describe, expect, it } from 'vitest';
import type { DuplicateGroup, PhysicalFile } from '../model/groups.js';
import { compilePolicy } from './keepers.js';
import { DEFAULT_POLICY, parseRule, type Policy } from './policy.js';

let nextId = 0;
function file(path: string, options: { mtime?: number; root?: number; links?: string[] } = {}): PhysicalFile {
  const id = nextId++;
  return {
    id,
    paths: [path, ...(options.links ?? [])],
    root: options.root ?? 0,
    dev: 1n,
    ino: BigInt(1000 + id),
    size: 10,
    mtimeNs: BigInt(options.mtime ?? 0) * 1_000_000_000n,
    ctimeNs: 0n,
  };
}

function choose(files: PhysicalFile[], policy: Partial<Policy>) {
  const group: DuplicateGroup = { size: 10, hash: 'ab', files };
  const { keepers, others } = compilePolicy({ ...DEFAULT_POLICY, ...policy }).choose(group);
  return {
    keep: keepers.map((k) => k.file.paths[0]),
    act: others.map((o) => o.file.paths[0]),
    keepers,
    others,
  };
}

const rules = (...texts: string[]) => ({ rules: texts.map(parseRule) });

describe('keeper rules', () => {
  const old = file('/a/deep/er/old.jpg', { mtime: 100, root: 1 });
  const fresh = file('/b/new.jpg', { mtime: 200, root: 0 });
  const mid = file('/c/x/mid-long-name.jpg', { mtime: 150, root: 2 });
  const all = [old, fresh, mid];

  it.each([
    ['newest', '/b/new.jpg'],
    ['oldest', '/a/deep/er/old.jpg'],
    ['shortest-path', '/b/new.jpg'],
    ['longest-path', '/c/x/mid-long-name.jpg'],
    ['shallowest', '/b/new.jpg'],
    ['deepest', '/a/deep/er/old.jpg'],
    ['first-root', '/b/new.jpg'],
    ['prefer /c', '/c/x/mid-long-name.jpg'],
    ['prefer-match mid-*', '/c/x/mid-long-name.jpg'],
    ['avoid-match /b/**', '/a/deep/er/old.jpg'],
  ])('%s keeps %s', (rule, kept) => {
    const { keep, act } = choose(all, rules(rule));
    expect(keep).toEqual([kept]);
    expect(act).toHaveLength(2);
  });

  it('the first rule that tells the copies apart decides; later ones break its ties', () => {
    const a = file('/x/a', { mtime: 5 });
    const b = file('/y/b', { mtime: 5 });
    const c = file('/y/deeper/c', { mtime: 1 });
    expect(choose([a, b, c], rules('newest', 'prefer /y')).keep).toEqual(['/y/b']);
    expect(choose([a, b, c], rules('prefer /y', 'deepest')).keep).toEqual(['/y/deeper/c']);
    const { keepers } = choose([a, b, c], rules('newest', 'prefer /y'));
    expect(keepers[0]!.reason).toBe('prefer /y: inside over outside');
  });

  it('with no rule deciding, the first root and then the path order keep the plan deterministic', () => {
    const a = file('/z/a', { root: 1 });
    const b = file('/y/b', { root: 1 });
    expect(choose([a, b], {}).keep).toEqual(['/y/b']);
    expect(choose([a, b], {}).keepers[0]!.reason).toMatch(/no rule told the copies apart/);
  });

  it('never acts on a protected file: it is kept, whatever the rules say', () => {
    const { keep, act } = choose(all, { ...rules('newest'), protect: ['/a', '/c'] });
    expect(keep).toEqual(['/a/deep/er/old.jpg', '/c/x/mid-long-name.jpg']);
    expect(act).toEqual(['/b/new.jpg']);
  });

  it('--only-from acts only on files under it; when every copy is there, the best one is kept', () => {
    expect(choose(all, { onlyFrom: ['/b'] })).toMatchObject({
      keep: ['/a/deep/er/old.jpg', '/c/x/mid-long-name.jpg'],
      act: ['/b/new.jpg'],
    });
    const inB = [file('/b/1', { mtime: 1 }), file('/b/2', { mtime: 2 })];
    expect(choose(inB, { ...rules('newest'), onlyFrom: ['/b'] })).toMatchObject({
      keep: ['/b/2'],
      act: ['/b/1'],
    });
  });

  it('--keep-n keeps that many copies, counting the ones kept by protection', () => {
    expect(choose(all, { ...rules('newest'), keepN: 2 }).keep).toEqual([
      '/b/new.jpg',
      '/c/x/mid-long-name.jpg',
    ]);
    expect(choose(all, { ...rules('newest'), keepN: 2, protect: ['/a'] }).keep).toEqual([
      '/a/deep/er/old.jpg',
      '/b/new.jpg',
    ]);
    expect(choose(all, { keepN: 5 }).act).toEqual([]);
  });

  it('a folder rule matches whole path components only', () => {
    const a = file('/photos/a');
    const b = file('/photos-old/b');
    expect(choose([a, b], rules('prefer /photos-old')).keep).toEqual(['/photos-old/b']);
    expect(choose([b, a], { protect: ['/photos'] }).act).toEqual(['/photos-old/b']);
  });

  it('a file protected through any of its hard links is kept', () => {
    const linked = file('/b/x', { links: ['/safe/x'] });
    const other = file('/a/y');
    expect(choose([other, linked], { protect: ['/safe'] }).keep).toEqual(['/b/x']);
  });

  it('types: matching-extension keeps the name that fits the content; prefer-type the name promising a type', () => {
    // One PNG under three names; only one member's type is known (the others' heads came from older rows).
    const png = { ...file('/p/z-beach.png'), type: 'image/png' };
    const jpg = file('/p/a-beach.jpg');
    const bin = file('/p/m-beach.bin');
    expect(choose([jpg, bin, png], rules('matching-extension')).keep).toEqual(['/p/z-beach.png']);
    // No type known: the rule tells nothing apart (path order decides); an unknown extension ranks between a
    // fitting one and one that promises another type.
    expect(choose([jpg, bin], rules('matching-extension')).keep).toEqual(['/p/a-beach.jpg']);
    expect(choose([{ ...jpg, type: 'image/png' }, bin], rules('matching-extension')).keep).toEqual([
      '/p/m-beach.bin',
    ]);
    expect(choose([png, jpg, bin], rules('prefer-type image/jpeg')).keep).toEqual(['/p/a-beach.jpg']);
    expect(choose([jpg, bin, png], rules('prefer-type image/png')).keep).toEqual(['/p/z-beach.png']);
    expect(parseRule('prefer-type Image/*')).toEqual({ kind: 'prefer-type', type: 'image' });
    expect(() => parseRule('prefer-type pictures')).toThrow(/expected a type such as image/);
  });

  it('rejects an unknown rule with the list of known ones', () => {
    expect(() => choose(all, rules('biggest'))).toThrow(
      /unknown keeper rule "biggest"; known: newest, oldest/,
    );
    expect(() => parseRule('prefer')).toThrow(/unknown keeper rule/);
    expect(() => parseRule('Not A Rule')).toThrow(/unknown keeper rule/);
  });
});
