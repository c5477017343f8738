import { decodeEntities } from './entities.js';

/** How a markup language's elements become text. Names are lowercase, with their namespace prefix. */
export interface MarkupRules {
  /** Elements whose content is not text (scripts, styles, deleted revisions): dropped with their content. */
  readonly drop: ReadonlySet<string>;
  /** Elements that begin or end a paragraph or line: a line break where each tag stands. */
  readonly breaks: ReadonlySet<string>;
  /** Empty elements that stand for a space or a tab. */
  readonly spaces: ReadonlySet<string>;
}

const TAG_NAME = /<\/?([a-z][a-z0-9:._-]*)/iy;

/**
 * Markup to plain text in one linear pass: tags removed (so `<b>wo</b>rd` stays one word), the content of
 * dropped elements removed, a line break for each block tag, entities decoded. An element left unclosed is not
 * dropped (only its tag is), so a broken file loses a tag, not the rest of its text. Comments, processing
 * instructions and CDATA markers are removed.
 */
export function markupToText(markup: string, rules: MarkupRules): string {
  const parts: string[] = [];
  const length = markup.length;
  let at = 0;
  while (at < length) {
    const open = markup.indexOf('<', at);
    if (open < 0) {
      parts.push(markup.slice(at));
      break;
    }
    parts.push(markup.slice(at, open));
    if (markup.startsWith('<!--', open)) {
      at = skipPast(markup, '-->', open + 4);
      continue;
    }
    if (markup.startsWith('<![CDATA[', open)) {
      const end = markup.indexOf(']]>', open + 9);
      parts.push(markup.slice(open + 9, end < 0 ? length : end));
      at = end < 0 ? length : end + 3;
      continue;
    }
    if (markup[open + 1] === '?' || markup[open + 1] === '!') {
      at = skipPast(markup, '>', open + 2);
      continue;
    }
    TAG_NAME.lastIndex = open;
    const match = TAG_NAME.exec(markup);
    if (match === null) {
      parts.push('<');
      at = open + 1;
      continue;
    }
    const close = markup.indexOf('>', open);
    if (close < 0) break;
    const name = (match[1] ?? '').toLowerCase();
    const closing = markup[open + 1] === '/';
    const selfClosing = markup[close - 1] === '/';
    at = close + 1;
    if (rules.breaks.has(name)) parts.push('\n');
    else if (rules.spaces.has(name)) parts.push(' ');
    else if (!closing && !selfClosing && rules.drop.has(name)) {
      const end = new RegExp(`</${name.replace(/[.]/g, '\\.')}\\s*>`, 'gi');
      end.lastIndex = at;
      if (end.exec(markup) !== null) at = end.lastIndex;
    }
  }
  return decodeEntities(parts.join(''));
}

function skipPast(text: string, marker: string, from: number): number {
  const end = text.indexOf(marker, from);
  return end < 0 ? text.length : end + marker.length;
}

const HTML_BLOCKS = [
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
];

/** HTML: scripts, styles and the head dropped; block elements break lines; table cells are apart. */
export const HTML_RULES: MarkupRules = {
  drop: new Set(['script', 'style', 'noscript', 'template', 'head']),
  breaks: new Set(HTML_BLOCKS),
  spaces: new Set(),
};

/** WordprocessingML (a .docx's word/document.xml): paragraphs; deleted revisions and field codes dropped. */
export const DOCX_RULES: MarkupRules = {
  drop: new Set(['w:deltext', 'w:instrtext', 'w:delinstrtext']),
  breaks: new Set(['w:p', 'w:br', 'w:cr']),
  spaces: new Set(['w:tab']),
};

/** OpenDocument text (an .odt's content.xml): paragraphs and headings; spaces and tabs as elements. */
export const ODT_RULES: MarkupRules = {
  drop: new Set(['office:annotation']),
  breaks: new Set(['text:p', 'text:h', 'text:line-break']),
  spaces: new Set(['text:s', 'text:tab']),
};
