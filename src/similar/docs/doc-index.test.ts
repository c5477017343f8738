import { describe, expect, it } from 'vitest';
import { docxOf, htmlOf } from '../../../bench/similar-docs-corpus.mjs';
import { fingerprint, MAX_KEPT_SHINGLES, textFingerprint } from './doc-fingerprint.js';
import { DEFAULT_DOC_THRESHOLD, fingerprintJaccard, similarDocPairs } from './doc-index.js';
import { decodeFingerprint, encodeFingerprint, FINGERPRINT_VERSION } from './fingerprint-layout.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A deterministic text of `count` words from a seed: different seeds share (almost) no 5-gram. */
function prose(seed: number, count: number): string[] {
  let x = seed * 2654435761 + 1;
  return Array.from({ length: count }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return `w${x % 5000}`;
  });
}

async function fingerprintOf(bytes: Uint8Array, name: string): Promise<Uint8Array> {
  const result = await fingerprint(bytes, name);
  if ('problem' in result) throw new Error(result.problem);
  return result.fingerprint;
}

describe('fingerprint', () => {
  it('encodes the signature and the sorted shingles, and decodes them back', async () => {
    const bytes = await fingerprintOf(utf8(prose(1, 300).join(' ')), 'a.txt');
    expect(bytes[0]).toBe(FINGERPRINT_VERSION);
    const decoded = decodeFingerprint(bytes);
    if ('problem' in decoded) throw new Error(decoded.problem);
    expect(decoded.signature.length).toBe(128);
    expect(decoded.shingles.length).toBe(296);
    expect(decoded.sampleLevel).toBe(0);
    expect(encodeFingerprint(decoded)).toEqual(bytes);
  });

  it('refuses bytes of another version or cut short, rather than misreading them', async () => {
    const bytes = await fingerprintOf(utf8('some words in a file'), 'a.txt');
    expect(decodeFingerprint(bytes.subarray(0, bytes.length - 1))).toHaveProperty(
      'problem',
      'a damaged document fingerprint (523 bytes for 128 + 1 hashes)',
    );
    expect(decodeFingerprint(Uint8Array.of(9, 0, 0, 0, 0, 0, 0, 0))).toEqual({
      problem: 'document fingerprint version 9, expected 1',
    });
    expect(decodeFingerprint(new Uint8Array(3))).toHaveProperty(
      'problem',
      'a document fingerprint is at least 8 bytes, not 3',
    );
  });

  it('is a problem, not an exception, for a file whose text cannot be read', async () => {
    const result = await fingerprint(utf8('garbage'), 'a.docx');
    expect('problem' in result && result.problem).toMatch(/^not a zip archive: end of central directory/i);
  });

  it('keeps a consistent sample of a very long text, whose Jaccard estimates the whole', () => {
    const words = prose(2, 100_000);
    const long = textFingerprint(words.join(' '));
    expect(long.sampleLevel).toBeGreaterThan(0);
    expect(long.shingles.length).toBeLessThanOrEqual(MAX_KEPT_SHINGLES);
    const start = textFingerprint(words.slice(0, 40_000).join(' '));
    expect(start.sampleLevel).toBe(0);
    // The start holds 40 % of the long text's shingles: Jaccard 0.4, estimated from the coarser sample.
    expect(fingerprintJaccard(long, start)).toBeCloseTo(0.4, 1);
  });
});

describe('similarDocPairs', () => {
  it('pairs a document with its edited, HTML and DOCX versions, and not with an unrelated one', async () => {
    const words = prose(3, 400);
    const edited = [...words];
    edited.splice(200, 10, ...prose(4, 10));
    const paragraphs = [words.slice(0, 200).join(' '), words.slice(200).join(' ')];
    const fingerprints = [
      await fingerprintOf(utf8(words.join(' ')), 'original.txt'),
      await fingerprintOf(utf8(edited.join(' ')), 'edited.md'),
      await fingerprintOf(utf8(prose(5, 400).join(' ')), 'other.txt'),
      await fingerprintOf(utf8(htmlOf('Title', paragraphs)), 'page.html'),
      await fingerprintOf(docxOf(paragraphs), 'letter.docx'),
    ];
    const pairs = similarDocPairs(fingerprints);
    const found = pairs.map(({ a, b }) => `${a}-${b}`).sort();
    // The DOCX has the original's very shingles: joined to it with score 1, and compared no further (grouping
    // by transitive closure puts it with the others all the same).
    expect(found).toEqual(['0-1', '0-3', '0-4', '1-3']);
    expect(pairs.find(({ a, b }) => a === 0 && b === 4)?.score).toBe(1);
    const edit = pairs.find(({ a, b }) => a === 0 && b === 1);
    // 396 shingles each; the 14 covering the 10 new words (and their edges) differ: 382 shared of 410.
    expect(edit?.score).toBeCloseTo(382 / 410, 10);
    expect(edit?.distance).toBeCloseTo(1 - 382 / 410, 10);
  });

  it('keeps pairs at or above the threshold only', () => {
    const words = prose(6, 100);
    const half = [...words.slice(0, 50), ...prose(7, 50)];
    const fingerprints = [words, half].map((w) => encodeFingerprint(textFingerprint(w.join(' '))));
    // 96 shingles each, 46 shared: 46 / 146 = 0.315.
    expect(similarDocPairs(fingerprints, 0.3)).toHaveLength(1);
    expect(similarDocPairs(fingerprints, DEFAULT_DOC_THRESHOLD)).toEqual([]);
  });

  it('joins copies to the first of them only, and pairs short texts only when they are the same', () => {
    const texts = [
      'Meeting notes',
      'meeting NOTES.',
      'Meeting minutes',
      '',
      '  ',
      ...Array<string>(5).fill('x y z'),
    ];
    const fingerprints = texts.map((t) => encodeFingerprint(textFingerprint(t)));
    const found = similarDocPairs(fingerprints).map(({ a, b, score }) => `${a}-${b}:${score}`);
    expect(found.sort()).toEqual(['0-1:1', '5-6:1', '5-7:1', '5-8:1', '5-9:1']);
  });

  it('refuses a threshold outside (0, 1] and a fingerprint it cannot read', () => {
    expect(() => similarDocPairs([], 0)).toThrow(/expected a Jaccard similarity in \(0, 1\], received 0/);
    expect(() => similarDocPairs([], 1.5)).toThrow(RangeError);
    expect(() => similarDocPairs([new Uint8Array(2)])).toThrow(/fingerprint 0/);
    expect(similarDocPairs([])).toEqual([]);
  });
});
