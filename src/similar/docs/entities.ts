const NAMED: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  shy: '\u00ad',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  middot: '·',
  bull: '•',
  deg: '°',
  times: '×',
  euro: '€',
  pound: '£',
  sect: '§',
  para: '¶',
};

const ENTITY = /&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});/gi;

/**
 * Decodes character references: every numeric one, and the named ones of XML plus the common typographic ones
 * of HTML; a named one it does not know stays as written (its letters would be one more word either way). Named
 * Latin letters (`&eacute;`) are decoded from their name's shape, so accented words stay whole.
 */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)
        ? String.fromCodePoint(code)
        : ' ';
    }
    return NAMED[body] ?? latinLetter(body) ?? whole;
  });
}

const ACCENTS: Readonly<Record<string, string>> = {
  acute: '\u0301',
  grave: '\u0300',
  circ: '\u0302',
  tilde: '\u0303',
  uml: '\u0308',
  ring: '\u030a',
  cedil: '\u0327',
};

/** `eacute` → é, `Uuml` → Ü: a letter and an accent, composed (NFC). */
function latinLetter(name: string): string | undefined {
  const match = /^([a-zA-Z])(acute|grave|circ|tilde|uml|ring|cedil)$/.exec(name);
  if (match === null) return name === 'szlig' ? 'ß' : undefined;
  const [, letter = '', accent = ''] = match;
  return (letter + (ACCENTS[accent] ?? '')).normalize('NFC');
}
