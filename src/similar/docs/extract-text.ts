import { systemClock, type Clock } from '../../core/clock.js';
import { decodeText } from './decode-text.js';
import { docKind } from './doc-formats.js';
import { DOCX_RULES, HTML_RULES, markupToText, ODT_RULES, type MarkupRules } from './markup-text.js';
import { pdfText } from './pdf-text.js';
import { readZipEntry } from './zip-entry.js';

/** The caps on reading one document; each has a default (DEFAULT_EXTRACT_LIMITS). */
export interface ExtractLimits {
  /** Text past this many characters is cut off (the same cut every time: the fingerprint stays stable). */
  readonly maxChars: number;
  /** The most bytes the XML member of a .docx or .odt may inflate to; over it, the file is a problem. */
  readonly maxInflatedBytes: number;
  /** PDF pages read; later pages are ignored. */
  readonly maxPages: number;
  /** The time one PDF may take; over it, the PDF is a problem. */
  readonly pdfBudgetMs: number;
  readonly clock: Clock;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxChars: 8_000_000,
  maxInflatedBytes: 64 << 20,
  maxPages: 500,
  pdfBudgetMs: 30_000,
  clock: systemClock,
};

/** A document's text, or why it has none. */
export type ExtractResult = { text: string } | { problem: string };

/**
 * The text of a document, from its bytes and its file name (whose extension says the format). Never throws
 * for a bad file: a damaged PDF, a zip bomb or an unknown extension comes back as `{ problem }`.
 */
export async function extractText(
  bytes: Uint8Array,
  name: string,
  limits: Partial<ExtractLimits> = {},
): Promise<ExtractResult> {
  const caps = { ...DEFAULT_EXTRACT_LIMITS, ...limits };
  const kind = docKind(name);
  const text = await rawText(bytes, kind, caps);
  if (typeof text !== 'string') return text;
  return { text: text.length > caps.maxChars ? text.slice(0, caps.maxChars) : text };
}

async function rawText(
  bytes: Uint8Array,
  kind: ReturnType<typeof docKind>,
  caps: ExtractLimits,
): Promise<string | { problem: string }> {
  switch (kind) {
    case 'text':
      return decodeText(bytes);
    case 'html':
      return markupToText(decodeText(bytes), HTML_RULES);
    case 'pdf':
      return pdfText(bytes, { maxPages: caps.maxPages, budgetMs: caps.pdfBudgetMs, clock: caps.clock });
    case 'docx':
      return zippedXmlText(bytes, 'word/document.xml', DOCX_RULES, caps.maxInflatedBytes);
    case 'odt':
      return zippedXmlText(bytes, 'content.xml', ODT_RULES, caps.maxInflatedBytes);
    case undefined:
      return { problem: 'not a document format similar docs reads (by its extension)' };
    default: {
      const unknown: never = kind;
      return unknown;
    }
  }
}

async function zippedXmlText(
  archive: Uint8Array,
  member: string,
  rules: MarkupRules,
  maxBytes: number,
): Promise<string | { problem: string }> {
  const entry = await readZipEntry(archive, member, maxBytes);
  if ('problem' in entry) return entry;
  return markupToText(decodeText(entry.bytes), rules);
}
