import { describe, expect, it } from 'vitest';
import { docxOf, odtOf, zipArchive } from '../../../bench/similar-docs-corpus.mjs';
import type { Clock } from '../../core/clock.js';
import { FakeClock } from '../../core/fake-clock.js';
import { docKind } from './doc-formats.js';
import { extractText, type ExtractResult } from './extract-text.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const textOf = (result: ExtractResult): string => {
  if ('problem' in result) throw new Error(`expected text, got the problem: ${result.problem}`);
  return result.text;
};
const problemOf = (result: ExtractResult): string => {
  if ('text' in result) throw new Error(`expected a problem, got the text: ${result.text}`);
  return result.problem;
};

/** A PDF with one line of text per page, in Helvetica (no font file needed), offsets computed. */
function pdfWithPages(lines: readonly string[]): Uint8Array {
  const objects: string[] = [];
  const pageIds = lines.map((_, i) => 4 + 2 * i);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${lines.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
  lines.forEach((line, i) => {
    const stream = `BT /F1 12 Tf 72 720 Td (${line}) Tj ET`;
    objects[4 + 2 * i] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`;
    objects[5 + 2 * i] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = pdf.length;
    pdf += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) pdf += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return utf8(pdf);
}

describe('plain text', () => {
  it('reads UTF-8, and UTF-16 with its byte-order mark', async () => {
    expect(textOf(await extractText(utf8('Grüße aus Köln'), 'a.txt'))).toBe('Grüße aus Köln');
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(new Uint16Array([0x48, 0xe9, 0x21]).buffer)]);
    expect(textOf(await extractText(utf16, 'a.md'))).toBe('Hé!');
    const unmarked = new Uint8Array(Buffer.from('Plain words, saved as UTF-16', 'utf16le'));
    expect(textOf(await extractText(unmarked, 'a.txt'))).toBe('Plain words, saved as UTF-16');
    expect(textOf(await extractText(new Uint8Array(Buffer.from('be', 'utf16le').swap16()), 'a.txt'))).toBe(
      'be',
    );
  });

  it('reads a Latin-1 file without breaking its accented words', async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x61, 0xef, 0x76, 0x65]);
    expect(textOf(await extractText(latin1, 'notes.TXT'))).toBe('café naïve');
  });

  it('reads source files as text, and cuts text at the character cap', async () => {
    expect(textOf(await extractText(utf8('const x = 1;'), 'main.ts'))).toBe('const x = 1;');
    expect(textOf(await extractText(utf8('abcdef'), 'a.py', { maxChars: 3 }))).toBe('abc');
  });

  it('says which files it does not read', async () => {
    expect(problemOf(await extractText(utf8('x'), 'photo.jpg'))).toMatch(/not a document format/);
    expect(docKind('Makefile')).toBeUndefined();
    expect(docKind('README.RST')).toBe('text');
    expect(docKind('.bashrc')).toBeUndefined();
  });
});

describe('HTML', () => {
  it('drops tags, scripts, styles and the head, decodes entities and keeps words whole', async () => {
    const html = `<!DOCTYPE html><html><head><title>T</title><style>p { color: red }</style></head>
      <body><script type="text/javascript">var hidden = "secret words";</script><!-- a comment -->
      <h1>Fish &amp; Chips</h1><p>A <b>bold</b>er caf&eacute; &#8212; &#x263A; &unknown; text</p>
      <ul><li>one</li><li>two</li></ul></body></html>`;
    const text = textOf(await extractText(utf8(html), 'page.htm'));
    expect(text).not.toMatch(/secret|color|comment|<|T\n/);
    expect(text).toContain('Fish & Chips');
    expect(text).toContain('A bolder café — ☺ &unknown; text');
    expect(text).toMatch(/one\s*\n\s*two/);
  });

  it('keeps the text after a script that is never closed', async () => {
    const text = textOf(await extractText(utf8('<p>before</p><script>after all'), 'x.html'));
    expect(text).toMatch(/before\s+after all/);
  });
});

describe('DOCX and ODT', () => {
  it('reads the paragraphs of a .docx, runs joined, deleted revisions dropped', async () => {
    const docx = docxOf(['The first paragraph is here', 'A second one follows']);
    expect(textOf(await extractText(docx, 'report.docx')).trim()).toBe(
      'The first paragraph is here\n\nA second one follows',
    );
    const revised = zipArchive([
      {
        name: 'word/document.xml',
        data: '<w:document><w:body><w:p><w:r><w:t>kept</w:t></w:r><w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:r><w:tab/><w:t>too</w:t></w:r></w:p></w:body></w:document>',
      },
    ]);
    expect(textOf(await extractText(revised, 'r.docx')).trim()).toBe('kept too');
  });

  it('reads the paragraphs and headings of an .odt', async () => {
    const text = textOf(await extractText(odtOf(['Title', 'Body &amp; <text>']), 'a.odt'));
    expect(text.trim()).toBe('Title\n\nBody &amp; <text>');
  });

  it('refuses what is not a document archive, without throwing', async () => {
    expect(problemOf(await extractText(utf8('not a zip at all'), 'a.docx'))).toMatch(/not a zip archive/);
    const noDocument = zipArchive([{ name: 'other.xml', data: '<x/>' }]);
    expect(problemOf(await extractText(noDocument, 'a.docx'))).toMatch(/no word\/document\.xml/);
    expect(problemOf(await extractText(noDocument, 'a.odt'))).toMatch(/no content\.xml/);
    const cut = docxOf(['some text']).subarray(0, 60);
    expect(problemOf(await extractText(cut, 'a.docx'))).toMatch(/zip/);
  });

  it('stops a zip bomb: one that says how large it is, and one that lies', async () => {
    const huge = '<w:p>' + 'a'.repeat(2_000_000) + '</w:p>';
    const honest = zipArchive([{ name: 'word/document.xml', data: huge }]);
    expect(problemOf(await extractText(honest, 'bomb.docx', { maxInflatedBytes: 1_000_000 }))).toMatch(
      /over the cap of 1000000/,
    );
    const liar = zipArchive([{ name: 'word/document.xml', data: huge, declaredSize: 100 }]);
    expect(problemOf(await extractText(liar, 'bomb.docx', { maxInflatedBytes: 1_000_000 }))).toMatch(
      /cannot inflate|past the cap/,
    );
  });
});

describe('PDF', () => {
  it('reads the text of every page, and leaves the caller its bytes', async () => {
    const pdf = pdfWithPages(['Hello from page one', 'And page two']);
    const copy = pdf.slice();
    const text = textOf(await extractText(pdf, 'doc.pdf'));
    expect(text).toMatch(/Hello from page one\s+And page two/);
    expect(pdf).toEqual(copy);
  });

  it('reads only the first pages up to the cap', async () => {
    const text = textOf(
      await extractText(pdfWithPages(['first', 'second', 'third']), 'a.pdf', { maxPages: 2 }),
    );
    expect(text).toMatch(/first\s+second/);
    expect(text).not.toContain('third');
  });

  it('gives up a PDF that takes longer than its time budget', async () => {
    const fake = new FakeClock();
    // Every reading of the clock is one second later: the second page is read past the 1.5 s budget.
    const slow: Clock = {
      now: () => (fake.advance(1000), fake.now()),
      wallNow: () => 0,
      setTimer: fake.setTimer.bind(fake),
    };
    const result = await extractText(pdfWithPages(['one', 'two', 'three']), 'a.pdf', {
      clock: slow,
      pdfBudgetMs: 1500,
    });
    expect(problemOf(result)).toMatch(/took over 1500 ms/);
  });

  it('says so for a damaged PDF and for one without text', async () => {
    expect(problemOf(await extractText(utf8('%PDF-1.4 garbage'), 'a.pdf'))).toMatch(/not a PDF|no text/);
    expect(problemOf(await extractText(utf8('plain words, not a PDF'), 'a.pdf'))).toMatch(/not a PDF/);
    expect(problemOf(await extractText(pdfWithPages(['']), 'blank.pdf'))).toMatch(/no text/);
  });
});
