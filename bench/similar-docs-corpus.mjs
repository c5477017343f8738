// The documents corpus for `similar docs`: near-duplicate texts made from documentation Debian ships (man pages
// rendered as text, README files), each with derived variants, plus unrelated documents as negatives.
//
//   node bench/similar-docs-corpus.mjs OUT [--originals 50] [--distractors 50] [--templates 20] [--seed 1]
//
// Every original is a cluster: the original (.txt) and its variants (a changed line, words changed, a paragraph
// added or removed, paragraphs reordered, the same text as PDF, HTML, DOCX and ODT) are near-duplicates of one
// another; files of different clusters are not. Originals (and distractors) are picked so that no two share
// 25 % or more of their word 5-grams (an exact, independent count here), so the truth is unambiguous; those that
// share 5 % or more stay in as hard negatives. PDFs are typeset from the text by groff (fill mode: reflowed and
// hyphenated, page headers none) and ps2pdf. Writes OUT/manifest.json and prints one JSON line describing it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, gunzipSync } from 'node:zlib';
import { prng } from './corpus.mjs';

/** The variants made of every original, by name; each a near-duplicate of the original by construction. */
export const VARIANTS = [
  'line-changed',
  'words-changed',
  'paragraph-added',
  'paragraph-removed',
  'reordered',
  'shuffled',
  'edited',
  'pdf',
  'html',
  'docx',
  'odt',
];

/**
 * A zip archive of `entries` ({ name, data: string | Uint8Array, store?: boolean }): deflated unless `store`.
 * Enough of the format for .docx and .odt files (no zip64, no comments).
 */
export function zipArchive(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data);
    const body = entry.store ? raw : deflateRawSync(raw);
    const method = entry.store ? 0 : 8;
    const crc = crc32(raw);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.declaredSize ?? raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.declaredSize ?? raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const xmlEscape = (text) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A minimal .docx of `paragraphs`, each split over two runs (as Word does after an edit). */
export function docxOf(paragraphs) {
  const body = paragraphs
    .map((p) => {
      const cut = p.indexOf(' ', Math.floor(p.length / 2));
      const [x, y] = cut < 0 ? [p, ''] : [p.slice(0, cut), p.slice(cut)];
      return `<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr><w:r><w:t>${xmlEscape(x)}</w:t></w:r><w:r><w:t xml:space="preserve">${xmlEscape(y)}</w:t></w:r></w:p>`;
    })
    .join('');
  const ns = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  return zipArchive([
    {
      name: '[Content_Types].xml',
      data: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    },
    {
      name: '_rels/.rels',
      data: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    },
    {
      name: 'word/document.xml',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${ns}"><w:body>${body}<w:sectPr/></w:body></w:document>`,
    },
  ]);
}

/** A minimal .odt of `paragraphs` (the first as a heading). */
export function odtOf(paragraphs) {
  const body = paragraphs
    .map((p, i) =>
      i === 0
        ? `<text:h text:outline-level="1">${xmlEscape(p)}</text:h>`
        : `<text:p>${xmlEscape(p)}</text:p>`,
    )
    .join('');
  return zipArchive([
    { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', store: true },
    {
      name: 'META-INF/manifest.xml',
      data: '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
    },
    {
      name: 'content.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:text>${body}</office:text></office:body></office:document-content>`,
    },
  ]);
}

/** An HTML page of `paragraphs`, with the chrome a real page has (head, style, script, navigation, footer). */
export function htmlOf(title, paragraphs) {
  const escape = (t) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    '<!DOCTYPE html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>`,
    '<style>body { font-family: serif; } p > code { color: #333; }</style>',
    '<script>window.dataLayer = [{ "page": "documentation", "words": "not part of the text" }];</script>',
    '</head><body><nav><a href="/">Home</a> | <a href="/docs">Docs</a></nav><main>',
    ...paragraphs.map((p, i) =>
      i === 0 ? `<h1>${escape(p)}</h1>` : `<p>${escape(p).replace(/\n/g, '<br>\n')}</p>`,
    ),
    '</main><footer>&copy; the authors</footer></body></html>',
  ].join('\n');
}

/** Typesets `text` with groff (fill mode) into a PDF; undefined when groff or ps2pdf is missing or fails. */
export function pdfOf(text) {
  const roff = text
    .split('\n')
    .map((line) => line.trim().replace(/\\/g, '\\e'))
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
  const ps = spawnSync('groff', ['-Tps', '-Kutf8'], { input: `.hy 1\n${roff}\n`, maxBuffer: 1 << 28 });
  if (ps.status !== 0) return undefined;
  const pdf = spawnSync('ps2pdf', ['-', '-'], { input: ps.stdout, maxBuffer: 1 << 28 });
  return pdf.status === 0 && pdf.stdout.length > 0 ? pdf.stdout : undefined;
}

/** Paragraphs: runs of lines between blank lines. */
export const paragraphsOf = (text) =>
  text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+$/, ''))
    .filter((p) => p.trim() !== '');

/** The word 5-grams of a text, as strings (the reference the corpus is checked with, apart from nodupe's code). */
export function referenceShingles(text) {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu) ?? [];
  const set = new Set();
  for (let i = 0; i + 5 <= words.length; i++) set.add(words.slice(i, i + 5).join(' '));
  return set;
}

export function referenceJaccard(a, b) {
  let shared = 0;
  for (const s of a) if (b.has(s)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/**
 * Sources: man pages (at most one per family, the name's first word: a tool with thousands of generated pages
 * does not fill the corpus) and README, NEWS and copyright files, shuffled. `siblings`: man pages of the largest
 * family (generated from one template, different commands), the hardest negatives there are.
 */
function sources() {
  const families = new Map();
  const manDir = '/usr/share/man/man1';
  if (existsSync(manDir)) {
    for (const name of readdirSync(manDir).sort()) {
      if (!name.endsWith('.1.gz')) continue;
      const family = name.split(/[_.-]/)[0];
      if (!families.has(family)) families.set(family, []);
      families.get(family).push({ kind: 'man', path: join(manDir, name) });
    }
  }
  const found = [...families.values()].map((pages) => pages[0]);
  const docDir = '/usr/share/doc';
  if (existsSync(docDir)) {
    for (const pkg of readdirSync(docDir).sort()) {
      let names;
      try {
        names = readdirSync(join(docDir, pkg));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (/^(README|NEWS|copyright)/i.test(name) && !/\.html?$/i.test(name))
          found.push({ kind: 'doc', path: join(docDir, pkg, name) });
      }
    }
  }
  const largest = [...families.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return { found: shuffled(found, 7), siblings: largest.length >= 20 ? shuffled(largest.slice(1), 11) : [] };
}

function shuffled(list, seed) {
  const rand = prng(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The first `limit` readable texts of `list` (300 to 8000 words, valid UTF-8). */
function readTexts(list, limit) {
  const texts = [];
  for (const source of list) {
    if (texts.length >= limit) break;
    const text = readSource(source);
    if (text !== undefined) texts.push({ source: source.path, text });
  }
  return texts;
}

function readSource({ kind, path }) {
  try {
    if (!statSync(path).isFile()) return undefined;
    let text;
    if (kind === 'man') {
      const out = spawnSync('man', ['-P', 'cat', '-l', path], {
        env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '', LANG: 'C.UTF-8' },
        maxBuffer: 1 << 26,
      });
      if (out.status !== 0) return undefined;
      text = out.stdout.toString('utf8');
    } else {
      const raw = readFileSync(path);
      text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    }
    const words = text.split(/\s+/).length;
    if (words < 300 || words > 8000 || text.includes('\ufffd')) return undefined;
    return text;
  } catch {
    return undefined;
  }
}

/**
 * Writes the corpus under `root` (replacing it). Returns the manifest: `files` ({ path, cluster, variant }, path
 * relative to root; cluster -1 for a distractor), and what it is made of.
 */
export function generateDocsCorpus(
  root,
  { originals = 50, distractors = 50, templates = 20, seed = 1 } = {},
) {
  const rand = prng(seed);
  const int = (n) => Math.floor(rand() * n);
  const pick = (list) => list[int(list.length)];
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });

  // Candidates, kept only when they share less than 25 % of their 5-grams with every text kept before.
  const kept = [];
  const excluded = [];
  let hardNegatives = 0;
  const { found, siblings } = sources();
  for (const candidate of readTexts(found, (originals + distractors) * 4)) {
    if (kept.length >= originals + distractors) break;
    const shingles = referenceShingles(candidate.text);
    const overlaps = kept.map((k) => referenceJaccard(shingles, k.shingles));
    const most = Math.max(0, ...overlaps);
    if (most >= 0.25) {
      excluded.push({ source: candidate.source, like: kept[overlaps.indexOf(most)].source, jaccard: most });
      continue;
    }
    hardNegatives += overlaps.filter((j) => j >= 0.05).length;
    kept.push({ ...candidate, shingles });
  }
  const vocabulary = [...new Set(kept.flatMap((k) => k.text.match(/[a-z]{3,}/g) ?? []))];
  const randomWords = (n) => Array.from({ length: n }, () => pick(vocabulary)).join(' ');

  const files = [];
  const write = (name, data, cluster, variant, source) => {
    writeFileSync(join(root, name), data);
    files.push({ path: name, cluster, variant, source });
  };
  kept.forEach((doc, index) => {
    const isOriginal = index < originals;
    const cluster = isOriginal ? index : -1;
    const base = `${isOriginal ? 'c' : 'x'}${String(index).padStart(3, '0')}`;
    write(`${base}-original.txt`, doc.text, cluster, 'original', doc.source);
    if (!isOriginal) return;
    const paragraphs = paragraphsOf(doc.text);
    const lines = doc.text.split('\n');
    const variants = {};
    // One line changed: a non-blank line replaced by other words of the same length.
    {
      const nonBlank = lines.map((l, i) => [l, i]).filter(([l]) => l.trim().split(/\s+/).length >= 4);
      const [line, at] = pick(nonBlank.length > 0 ? nonBlank : [[lines[0], 0]]);
      const changed = [...lines];
      changed[at] = randomWords(Math.max(4, line.trim().split(/\s+/).length));
      variants['line-changed'] = changed.join('\n');
    }
    // 2 % of the words replaced by others, scattered.
    variants['words-changed'] = doc.text.replace(/[A-Za-z]{3,}/g, (w) =>
      rand() < 0.02 ? pick(vocabulary) : w,
    );
    // A paragraph from elsewhere inserted (another document's, or new words when it has none short enough).
    {
      const other = paragraphsOf(pick(kept.filter((k) => k !== doc)).text).filter(
        (p) => p.length < doc.text.length / 8,
      );
      const added = other.length > 0 ? pick(other) : randomWords(40);
      const at = int(paragraphs.length + 1);
      variants['paragraph-added'] = [...paragraphs.slice(0, at), added, ...paragraphs.slice(at)].join('\n\n');
    }
    // One paragraph removed (one of at most an eighth of the text).
    {
      const small = paragraphs.map((p, i) => [p, i]).filter(([p]) => p.length <= doc.text.length / 8);
      const at = small.length > 0 ? pick(small)[1] : int(paragraphs.length);
      variants['paragraph-removed'] = paragraphs.filter((_, i) => i !== at).join('\n\n');
    }
    // Reordered: three paragraphs moved elsewhere (sections rearranged); shuffled: every paragraph anywhere.
    {
      const moved = [...paragraphs];
      for (let n = 0; n < 3 && moved.length > 2; n++) {
        const [p] = moved.splice(int(moved.length), 1);
        moved.splice(int(moved.length + 1), 0, p);
      }
      variants.reordered = moved.join('\n\n');
      const order = paragraphs.map((p) => [rand(), p]).sort((a, b) => a[0] - b[0]);
      variants.shuffled = order.map(([, p]) => p).join('\n\n');
    }
    // Edited: a paragraph removed and a line changed, then reflowed to 60 columns.
    variants.edited = paragraphsOf(variants['line-changed'])
      .filter((_, i) => i !== 1)
      .map((p) => reflow(p, 60))
      .join('\n\n');
    for (const [variant, text] of Object.entries(variants))
      write(`${base}-${variant}.txt`, text, cluster, variant, doc.source);
    const pdf = pdfOf(doc.text);
    if (pdf !== undefined) write(`${base}-pdf.pdf`, pdf, cluster, 'pdf', doc.source);
    const title = paragraphs[0]?.trim().split('\n')[0] ?? base;
    write(`${base}-html.html`, htmlOf(title, paragraphs), cluster, 'html', doc.source);
    write(`${base}-docx.docx`, docxOf(paragraphs), cluster, 'docx', doc.source);
    write(`${base}-odt.odt`, odtOf(paragraphs), cluster, 'odt', doc.source);
  });
  // Template siblings: generated pages of one family (different commands, the same boilerplate), kept when
  // they share under 70 % with every sibling kept before (two versions of one page are not siblings).
  const keptSiblings = [];
  for (const sibling of readTexts(siblings, templates * 6)) {
    if (keptSiblings.length >= templates) break;
    const shingles = referenceShingles(sibling.text);
    if (keptSiblings.some((k) => referenceJaccard(shingles, k.shingles) >= 0.7)) continue;
    if (kept.some((k) => referenceJaccard(shingles, k.shingles) >= 0.25)) continue;
    keptSiblings.push({ ...sibling, shingles });
  }
  const siblingJaccards = [];
  keptSiblings.forEach((sibling, index) => {
    write(
      `t${String(index).padStart(3, '0')}-sibling.txt`,
      sibling.text,
      -1,
      'template-sibling',
      sibling.source,
    );
    for (const other of keptSiblings.slice(0, index)) {
      siblingJaccards.push(referenceJaccard(sibling.shingles, other.shingles));
    }
  });
  const manifest = {
    root,
    seed,
    requested: `${originals}/${distractors}`,
    originals: Math.min(originals, kept.length),
    distractors: Math.max(0, kept.length - originals),
    hardNegatives,
    templateSiblings: keptSiblings.length,
    siblingJaccardMax: Math.max(0, ...siblingJaccards),
    // Texts left out because they share 25 % or more with one kept (sibling packages' copyright files, ...).
    excluded,
    files,
  };
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

function reflow(paragraph, width) {
  const words = paragraph.trim().split(/\s+/);
  const lines = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, ...rest] = process.argv.slice(2);
  if (out === undefined) {
    process.stderr.write(
      'usage: node bench/similar-docs-corpus.mjs OUT [--originals 50] [--distractors 50] [--templates 20] [--seed 1]\n',
    );
    process.exit(2);
  }
  const option = (flag, fallback) => {
    const at = rest.indexOf(flag);
    return at < 0 ? fallback : Number(rest[at + 1]);
  };
  const manifest = generateDocsCorpus(out, {
    originals: option('--originals', 50),
    distractors: option('--distractors', 50),
    templates: option('--templates', 20),
    seed: option('--seed', 1),
  });
  const { files, excluded, ...description } = manifest;
  process.stdout.write(
    `${JSON.stringify({ corpus: 'similar-docs', files: files.length, excluded: excluded.length, ...description })}\n`,
  );
}
