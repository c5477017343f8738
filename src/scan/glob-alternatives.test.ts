import { describe, expect, it } from 'vitest';
import { NodupeError } from '../core/errors.js';
import { globMatcher } from './filters.js';
import { GLOB_LIMITS, checkGlob } from './glob.js';

describe('brace alternatives', () => {
  it('each match a name or the path, as if written alone', () => {
    const temporary = globMatcher('{*.tmp,cache/**}');
    expect(temporary('home/me/notes.tmp')).toBe(true);
    expect(temporary('notes.tmp')).toBe(true);
    expect(temporary('cache/a/b.jpg')).toBe(true);
    expect(temporary('home/cache/b.jpg')).toBe(false);
    expect(temporary('home/me/notes.txt')).toBe(false);
    const photos = globMatcher('{**/2019/*.jpg,*.png}');
    expect(photos('/home/me/2019/beach.jpg')).toBe(true);
    expect(photos('/home/me/2020/beach.jpg')).toBe(false);
    expect(photos('/home/me/2020/beach.png')).toBe(true);
  });

  it('keep `./` a path glob: the folder the path starts in', () => {
    const top = globMatcher('./*.jpg');
    expect(top('beach.jpg')).toBe(true);
    expect(top('photos/beach.jpg')).toBe(false);
    expect(globMatcher('{./*.jpg,*.png}')('photos/beach.png')).toBe(true);
  });

  it('are refused as bad input past 1024 characters together, saying why', () => {
    // Six pairs of long alternatives: 882 characters, but 64 alternatives of 432 each to match.
    const a = 'a'.repeat(70);
    const hostile = `{*${a}x,*${a}y}`.repeat(6);
    let error: unknown;
    try {
      checkGlob(hostile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NodupeError);
    expect(error).toMatchObject({ code: 'BAD_INPUT' });
    expect((error as NodupeError).message).toContain(
      `its braces expand to more than ${GLOB_LIMITS.maxExpandedLength} characters (27648)`,
    );
    // 4 alternatives of 256 characters: 1024 together, the most allowed.
    const b = 'b'.repeat(126);
    expect(checkGlob(`{*${b}x,*${b}y}`.repeat(2))).toBe(`{*${b}x,*${b}y}`.repeat(2));
    expect(() => checkGlob(`{*${b}bx,*${b}y}`.repeat(2))).toThrow(/more than 1024 characters \(1028\)/);
  });
});
