import { describe, expect, it } from 'vitest';
import { FILE_KINDS } from '../serve/protocol.js';
import { extensionOf, hasTextExtension, kindOf } from './kinds.js';

describe('kindOf', () => {
  it('names the kind of common files by their extension', () => {
    expect(kindOf('/photos/IMG_0001.jpg')).toBe('image');
    expect(kindOf('/photos/scan.tiff')).toBe('image');
    expect(kindOf('/videos/holiday.mkv')).toBe('video');
    expect(kindOf('/music/song.flac')).toBe('audio');
    expect(kindOf('/papers/thesis.pdf')).toBe('document');
    expect(kindOf('/notes/todo.md')).toBe('text');
    expect(kindOf('/backup/home.tar.gz')).toBe('archive');
  });

  it('ignores the case of the extension', () => {
    expect(kindOf('/photos/IMG_0001.JPG')).toBe('image');
    expect(kindOf('/photos/IMG_0001.JpEg')).toBe('image');
    expect(kindOf('/Docs/REPORT.PDF')).toBe('document');
  });

  it('says other for no extension, an unknown one, a dotfile, a trailing dot and a folder-only dot', () => {
    expect(kindOf('/bin/ls')).toBe('other');
    expect(kindOf('/data/blob.xyz123')).toBe('other');
    expect(kindOf('/home/me/.bashrc')).toBe('other');
    expect(kindOf('/home/me/file.')).toBe('other');
    expect(kindOf('/home/me.d/README')).toBe('other');
  });

  it('works on raw-byte paths whose names are not UTF-8', () => {
    const name = Buffer.concat([Buffer.from('/photos/caf'), Buffer.of(0xe9), Buffer.from('.PNG')]);
    expect(kindOf(name)).toBe('image');
    expect(kindOf(Buffer.concat([Buffer.from('/x/a.'), Buffer.of(0xe9)]))).toBe('other');
  });

  it('only ever answers a kind the API knows', () => {
    for (const path of ['a.jpg', 'a.mp4', 'a.mp3', 'a.pdf', 'a.txt', 'a.zip', 'a']) {
      expect(FILE_KINDS).toContain(kindOf(path));
    }
  });
});

describe('extensionOf and hasTextExtension', () => {
  it('take the last extension, lowercase', () => {
    expect(extensionOf('/backup/home.TAR.GZ')).toBe('gz');
    expect(extensionOf('/x/.profile')).toBeUndefined();
  });

  it('tell text formats, including text formats of other kinds', () => {
    expect(hasTextExtension('/notes/a.TXT')).toBe(true);
    expect(hasTextExtension('/site/logo.svg')).toBe(true);
    expect(hasTextExtension('/photos/a.jpg')).toBe(false);
    expect(hasTextExtension('/x/Makefile')).toBe(false);
  });
});
