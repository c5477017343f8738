import type { Clock } from '../../core/clock.js';

/** Limits on reading one PDF: pages read (the rest ignored), and time (over it, the PDF is a problem). */
export interface PdfLimits {
  /** The first `maxPages` pages are read, the rest ignored (a deterministic cut: the same file, the same text). */
  readonly maxPages: number;
  /** Past this many milliseconds (checked between pages), the PDF is given up as a problem. */
  readonly budgetMs: number;
  readonly clock: Clock;
}

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let loading: Promise<PdfJs> | undefined;

/**
 * pdf.js, loaded on first use (a few hundred milliseconds, once per thread). On Node it always parses in the
 * calling thread (its "fake worker" over a loopback port): in nodupe's worker pool that is the pool's thread,
 * so there is no worker thread of pdf.js's own to start, and the pool's size bounds PDF parsing too.
 */
function pdfjs(): Promise<PdfJs> {
  loading ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return loading;
}

/** The text of a PDF, page by page, or why it has none. Never throws for a bad file. */
export async function pdfText(bytes: Uint8Array, limits: PdfLimits): Promise<string | { problem: string }> {
  const started = limits.clock.now();
  const { getDocument } = await pdfjs();
  // pdf.js takes ownership of (and detaches) the buffer it is given: give it a copy, the caller's bytes stay.
  const task = getDocument({
    data: bytes.slice(),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  try {
    const document = await task.promise;
    const pages: string[] = [];
    const last = Math.min(document.numPages, limits.maxPages);
    for (let number = 1; number <= last; number++) {
      if (limits.clock.now() - started > limits.budgetMs) {
        return { problem: `reading the PDF took over ${limits.budgetMs} ms (at page ${number} of ${last})` };
      }
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if (!('str' in item)) continue;
        text += item.str;
        if (item.hasEOL) text += '\n';
      }
      pages.push(text);
      page.cleanup();
    }
    const text = joinHyphenated(pages.join('\n'));
    if (!/[\p{L}\p{N}]/u.test(text)) return { problem: 'the PDF has no text (scanned pages need OCR first)' };
    return text;
  } catch (error) {
    return { problem: pdfProblem(error) };
  } finally {
    await task.destroy();
  }
}

/** A word hyphenated at a line's end ("infor-\nmation") made whole again, as it was before typesetting. */
function joinHyphenated(text: string): string {
  return text.replace(/(\p{L})[-\u2010\u00ad]\n(?=\p{Ll})/gu, '$1');
}

function pdfProblem(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'PasswordException') return 'the PDF is encrypted with a password';
  return `not a PDF pdf.js can read: ${message}`;
}
