import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { NodupeError } from '../core/errors.js';
import { globMatcher } from './filters.js';
import { GLOB_LIMITS, checkGlob, compileGlob, normalizeGlob } from './glob.js';

function refusal(glob: string): NodupeError {
  try {
    checkGlob(glob);
  } catch (error) {
    return error as NodupeError;
  }
  throw new Error(`${glob} was not refused`);
}

describe('globs', () => {
  it('match as the README shows them', () => {
    expect(globMatcher('*.tmp')('a/b/c.tmp')).toBe(true);
    expect(globMatcher('node_modules')('app/node_modules')).toBe(true);
    expect(globMatcher('2019/**')('2019/summer/beach.jpg')).toBe(true);
    expect(globMatcher('2019/**')('2020/2019/beach.jpg')).toBe(false);
    expect(globMatcher('**/*.jpg')('/home/me/photos/beach.jpg')).toBe(true);
    expect(globMatcher('**/*.jpg')('/home/me/photos/beach.png')).toBe(false);
    expect(globMatcher('IMG_*_*.jpg')('IMG_2019_07.jpg')).toBe(true);
    expect(globMatcher('*.{jpg,png}')('x/beach.png')).toBe(true);
    expect(globMatcher('20[0-9][0-9]/*')('2019/a')).toBe(true);
    expect(globMatcher('.?ache')('home/.cache')).toBe(true);
  });

  it('treat extglob characters as themselves', () => {
    expect(globMatcher('*(1).jpg')('photos/beach (1).jpg')).toBe(true);
    expect(globMatcher('*(1).jpg')('photos/beach.jpg')).toBe(false);
    expect(globMatcher('+(a|aa)')('+(a|aa)')).toBe(true);
    expect(globMatcher('+(a|aa)')('aa')).toBe(false);
  });

  it('agree with picomatch (extglobs off) on globs of every documented kind', () => {
    let seed = 7;
    const pick = <T>(from: readonly T[]) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return from[seed % from.length]!;
    };
    const pieces = [
      'a',
      'b',
      '.',
      '*',
      '**',
      '?',
      '/',
      '[ab]',
      '[^a]',
      '[a-b]',
      '{a,b}',
      '{ab,{a,c}}',
      '**/',
      '/**',
    ];
    const names = ['a', 'b', '.', '/', 'ab', 'c'];
    let compared = 0;
    for (let g = 0; g < 1000; g++) {
      let glob = '';
      for (let k = pick([1, 2, 3, 4, 5]); k > 0; k--) glob += pick(pieces);
      // picomatch alone lets `a?/**` match `ab` but not `a*/**` (nodupe lets both), and takes `***` for `*`.
      if (/\*\*\*/.test(glob) || /\*\/\*\*$/.test(normalizeGlob(glob).replace(/(\/\*\*)+$/, '/**'))) continue;
      const expected = picomatch(glob, { dot: true, basename: !glob.includes('/'), noextglob: true });
      const actual = globMatcher(glob);
      for (let q = 0; q < 20; q++) {
        let path = pick(['', '/']);
        for (let k = pick([1, 2, 3, 4, 5, 6]); k > 0; k--) path += pick(names);
        if (/\/\/|\/$|(^|\/)\.\.?(\/|$)/.test(path)) continue;
        expect(actual(path), `${glob} on ${path}`).toBe(expected(path));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('answer hostile globs against long paths without backtracking (picomatch took minutes on these)', () => {
    const name = 'a'.repeat(255);
    const deep = Array.from({ length: 2000 }, () => 'a').join('/');
    for (const glob of [
      '*a*a*a*a*a*a*a*a*a*a*a*a*c',
      'a*a*a*a*a*a*a*a*a*/a*a*a*a*a*a*a*a*c',
      '**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/c',
      '{*a,a*}{*a,a*}{*a,a*}{*a,a*}{*a,a*}{*a,a*}c',
    ]) {
      const matches = globMatcher(glob);
      expect([matches(name), matches(deep), matches(`${name}/${name}`)]).toEqual([false, false, false]);
    }
  });

  it('collapse runs of stars into their simple form', () => {
    expect(normalizeGlob('a/***/**/**/b')).toBe('a/**/b');
    expect(normalizeGlob('***.jpg')).toBe('**.jpg');
    expect(normalizeGlob('./photos/*')).toBe('photos/*');
    expect(normalizeGlob('a\\*\\*\\*b')).toBe('a\\*\\*\\*b');
    const runs = compileGlob('x/***/**/**/*****.jpg');
    const simple = compileGlob('x/**/*.jpg');
    for (const path of ['x/a.jpg', 'x/y/z/a.jpg', 'y/a.jpg', 'x/a.png', 'x/.jpg']) {
      expect(runs(path), path).toBe(simple(path));
    }
  });

  it('refuse a glob out of bounds as bad input, saying why', () => {
    const long = refusal('a'.repeat(GLOB_LIMITS.maxLength + 1));
    expect(long).toMatchObject({ code: 'BAD_INPUT' });
    expect(long.message).toContain(`longer than ${GLOB_LIMITS.maxLength} characters`);
    expect(refusal('*a'.repeat(GLOB_LIMITS.maxWildcards + 1)).message).toContain('more than 32 wildcards');
    expect(refusal('{a,b}'.repeat(7)).message).toContain('more than 64 alternatives');
    expect(refusal('{a,b}'.repeat(7)).hint).toBeDefined();
    // Within bounds, and a run of stars counts once.
    expect(checkGlob('*a'.repeat(GLOB_LIMITS.maxWildcards))).toBe('*a'.repeat(GLOB_LIMITS.maxWildcards));
    expect(checkGlob(`${'*'.repeat(200)}.jpg`)).toBe(`${'*'.repeat(200)}.jpg`);
    expect(checkGlob('{a,b}'.repeat(6))).toBe('{a,b}'.repeat(6));
  });
});
