/** The kinds of document whose text nodupe can read, by how the text is got out. */
export type DocKind = 'text' | 'html' | 'pdf' | 'docx' | 'odt';

/** Plain text and markup languages read as text: prose formats first, then source code and configuration. */
export const TEXT_EXTENSIONS: readonly string[] = [
  ...'txt text md markdown rst tex adoc asciidoc org'.split(' '),
  // source code
  ...'c h cc cpp cxx hh hpp hxx cs java kt kts scala groovy go rs py pyi rb pl pm php'.split(' '),
  ...'js mjs cjs ts mts cts tsx jsx vue svelte swift m mm lua r jl dart zig nim hs ml mli'.split(' '),
  ...'fs clj ex exs erl sh bash zsh fish ps1 sql css scss less f90 pas vb'.split(' '),
  // configuration and data written by hand
  ...'json yaml yml toml ini cfg conf xml'.split(' '),
];

const KINDS: ReadonlyMap<string, DocKind> = new Map<string, DocKind>([
  ...TEXT_EXTENSIONS.map((extension) => [extension, 'text'] as const),
  ['html', 'html'],
  ['htm', 'html'],
  ['xhtml', 'html'],
  ['pdf', 'pdf'],
  ['docx', 'docx'],
  ['odt', 'odt'],
]);

/** Every extension (lowercase, without the dot) `similar docs` reads. */
export const DOC_EXTENSIONS: readonly string[] = [...KINDS.keys()];

/** The kind of document a file name says it is (by its extension, any case), or undefined for other files. */
export function docKind(name: string): DocKind | undefined {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return undefined;
  return KINDS.get(name.slice(dot + 1).toLowerCase());
}
