import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { NodupeError } from '../core/errors.js';
import { jsonProblem } from '../core/json-problem.js';
import { displayPath, jsonPath, pathFromJson } from '../model/paths.js';
import {
  compareBytes,
  MANIFEST_SCHEMA,
  relativePathProblem,
  type Manifest,
  type ManifestEntry,
} from './manifest.js';

/** The JSON Schema of one line of `nodupe.manifest/1`, shipped in the schema/ folder. */
const SCHEMA_URL = new URL('../../schema/nodupe.manifest-1.schema.json', import.meta.url);
const SCHEMA_ID = 'https://nodupe.dev/schema/nodupe.manifest-1.schema.json';

/** The manifest as its JSON lines: the header, a line per file, the trailer. */
export function manifestText(manifest: Manifest): string {
  const lines = [JSON.stringify({ schema: MANIFEST_SCHEMA, ...manifest.header })];
  let bytes = 0;
  for (const e of manifest.entries) {
    bytes += e.size;
    // Written by hand, in the order JSON.stringify of the object would give: 20,000 lines in a few ms.
    const { path, pathBytes } = jsonPath(e.path);
    lines.push(
      `{"path":${JSON.stringify(path)}${pathBytes === undefined ? '' : `,"pathBytes":"${pathBytes}"`}` +
        `,"size":${e.size},"mtimeNs":"${e.mtimeNs}","hash":${JSON.stringify(e.hash)}` +
        `${e.link === undefined ? '' : `,"link":${e.link}`}}`,
    );
  }
  lines.push(JSON.stringify({ end: true, files: manifest.entries.length, bytes }));
  return `${lines.join('\n')}\n`;
}

type LineKind = 'header' | 'file' | 'trailer';
let validators: Record<LineKind, ValidateFunction> | undefined;

function validatorOf(kind: LineKind): ValidateFunction {
  if (!validators) {
    // ajv loads when the first manifest is read, not with every command.
    const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv };
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    ajv.addSchema(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object);
    const get = (k: LineKind) => ajv.getSchema(`${SCHEMA_ID}#/$defs/${k}`)!;
    validators = { header: get('header'), file: get('file'), trailer: get('trailer') };
  }
  return validators[kind];
}

interface FileLine {
  path: string;
  pathBytes?: string;
  size: number;
  mtimeNs: string;
  hash: string;
  link?: number;
}

/**
 * Reads a manifest: each line JSON and valid by the schema in its place (the header first, the trailer last),
 * paths in byte order and safe to join onto a folder, the trailer's counts those of the lines. Anything wrong is
 * a BAD_INPUT error naming `source` and the line, never quoting the text (a file named by a link may be one the
 * user may not read: the line's number and what is wrong say where to look).
 */
export function readManifest(text: string, source: string): Manifest {
  const bad = (message: string, cause?: unknown) =>
    new NodupeError('BAD_INPUT', `${source}: ${message}`, cause === undefined ? undefined : { cause });
  if (text.length === 0) throw bad('is empty: not a manifest');
  if (!text.endsWith('\n')) throw bad('does not end with a newline: was it cut short?');
  const lines = text.slice(0, -1).split('\n');
  const parse = (i: number): unknown => {
    try {
      return JSON.parse(lines[i]!);
    } catch (error) {
      throw bad(`line ${i + 1} is not valid JSON (${jsonProblem(error)})`, error);
    }
  };
  const check = (i: number, kind: LineKind, doc: unknown): void => {
    const validate = validatorOf(kind);
    if (!validate(doc)) throw bad(`line ${i + 1}: ${describe(kind, validate.errors![0]!)}`);
  };

  const first = parse(0);
  const schema = (first as { schema?: unknown } | null)?.schema;
  if (schema !== MANIFEST_SCHEMA) {
    // Only a name of nodupe's own schemas is said (a plan, a newer manifest): anything else is the file's text.
    const named =
      typeof schema === 'string' && /^nodupe\.[a-z-]+\/[0-9]+$/.test(schema)
        ? `the schema "${schema}"`
        : 'no schema nodupe knows';
    throw bad(
      `is not a manifest this nodupe reads: its first line names ${named}, expected "${MANIFEST_SCHEMA}"`,
    );
  }
  check(0, 'header', first);
  const header = first as Manifest['header'] & { schema?: string };
  delete header.schema;

  const last = lines.length - 1;
  const trailer = last > 0 ? parse(last) : undefined;
  if (last === 0 || (trailer as { end?: unknown } | null)?.end !== true) {
    throw bad('has no trailer line (`{"end":true,...}`) at its end: was it cut short?');
  }
  check(last, 'trailer', trailer);

  const entries: ManifestEntry[] = [];
  const links = new Map<number, ManifestEntry>();
  let bytes = 0;
  for (let i = 1; i < last; i++) {
    const doc = parse(i);
    check(i, 'file', doc);
    const line = doc as FileLine;
    const path = pathFromJson(line.path, line.pathBytes);
    if (displayPath(path) !== line.path) {
      throw bad(`line ${i + 1}: its raw bytes (pathBytes) are not its path`);
    }
    const problem = relativePathProblem(path);
    if (problem !== undefined) throw bad(`line ${i + 1}: the path ${problem}`);
    const previous = entries[entries.length - 1];
    if (previous && compareBytes(previous.path, path) >= 0) {
      throw bad(
        `line ${i + 1}: its path is listed twice or out of order (lines are in the byte order of their paths)`,
      );
    }
    bytes += line.size;
    const entry: ManifestEntry = {
      path,
      size: line.size,
      mtimeNs: BigInt(line.mtimeNs),
      hash: line.hash,
      ...(line.link === undefined ? {} : { link: line.link }),
    };
    if (line.link !== undefined) {
      // Hard links are one file: one size, one mtime, one content.
      const first = links.get(line.link);
      if (!first) links.set(line.link, entry);
      else if (first.size !== entry.size || first.mtimeNs !== entry.mtimeNs || first.hash !== entry.hash) {
        throw bad(`line ${i + 1}: the file shares link ${line.link} with a file it differs from`);
      }
    }
    entries.push(entry);
  }
  const counts = trailer as { files: number; bytes: number };
  if (counts.files !== entries.length || counts.bytes !== bytes) {
    throw bad(
      `the trailer counts ${counts.files} files of ${counts.bytes} bytes, the lines ${entries.length} of ${bytes}: lines were added or removed`,
    );
  }
  return { header, entries };
}

function describe(kind: LineKind, e: ErrorObject): string {
  const what = kind === 'file' ? 'the file' : `the ${kind}`;
  const where = e.instancePath === '' ? what : `${what}'s ${e.instancePath.slice(1).replaceAll('/', '.')}`;
  if (e.keyword === 'additionalProperties') {
    return `${where} has a field the schema does not know`;
  }
  return `${where} ${e.message ?? 'is not valid'}`;
}
