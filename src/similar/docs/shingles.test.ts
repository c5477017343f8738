import { describe, expect, it } from 'vitest';
import { jaccard, normalizedWords, shingleSet } from './shingles.js';

describe('normalizedWords', () => {
  it('folds case and compatibility forms, and splits on everything but letters and digits', () => {
    expect(normalizedWords('The ﬁle, THE File! ＡＢＣ 42-fold\tend')).toEqual([
      'the',
      'file',
      'the',
      'file',
      'abc',
      '42',
      'fold',
      'end',
    ]);
    expect(normalizedWords('naïve café — Ελληνικά 日本')).toEqual(['naïve', 'café', 'ελληνικά', '日本']);
  });

  it('finds the same words whatever the line breaks and markup left over', () => {
    expect(normalizedWords('one two\n\n  three * four')).toEqual(normalizedWords('One Two Three Four'));
  });
});

describe('shingleSet', () => {
  it('has one shingle per distinct word 5-gram, sorted', () => {
    const set = shingleSet('a b c d e f g a b c d e');
    // 5-grams: abcde bcdef cdefg defga efgab fgabc gabcd abcde(again): 7 distinct.
    expect(set.length).toBe(7);
    expect([...set]).toEqual([...set].sort((x, y) => x - y));
  });

  it('gives a text of 1 to 4 words one shingle of all its words, and a text without words none', () => {
    expect(shingleSet('Hello there').length).toBe(1);
    expect(shingleSet('hello THERE!')).toEqual(shingleSet('Hello there'));
    expect(shingleSet('there hello')).not.toEqual(shingleSet('hello there'));
    expect(shingleSet('a b c d')).not.toEqual(shingleSet('a b c d e'));
    expect(shingleSet(' ... --- ').length).toBe(0);
  });
});

describe('jaccard', () => {
  it('is shared over all shingles, exactly', () => {
    expect(jaccard(Uint32Array.of(1, 2, 3, 4), Uint32Array.of(3, 4, 5))).toBe(2 / 5);
    expect(jaccard(Uint32Array.of(1, 2), Uint32Array.of(1, 2))).toBe(1);
    expect(jaccard(Uint32Array.of(1), Uint32Array.of(2))).toBe(0);
  });

  it('is 0 for two empty sets: texts without words are nobody’s duplicates', () => {
    expect(jaccard(new Uint32Array(), new Uint32Array())).toBe(0);
  });

  it('drops by about five shingles for one word changed in the middle of a text', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
    const edited = [...words];
    edited[100] = 'changed';
    // 196 shingles each; the 5 that cover word 100 differ: 191 shared of 201.
    expect(jaccard(shingleSet(words.join(' ')), shingleSet(edited.join(' ')))).toBeCloseTo(191 / 201, 10);
  });
});
