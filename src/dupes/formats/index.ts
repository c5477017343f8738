import { csvFormat } from './csv.js';
import { fdupesFormat } from './fdupes.js';
import type { DupesFormat } from './format.js';
import { jsonFormat, ndjsonFormat } from './json.js';
import { fclonesJsonFormat, jdupesJsonFormat, rmlintJsonFormat } from './peer-json.js';
import { textFormat } from './text.js';

export const FORMATS: Record<string, DupesFormat> = {
  text: textFormat,
  json: jsonFormat,
  csv: csvFormat,
  fdupes: fdupesFormat,
  ndjson: ndjsonFormat,
  'jdupes-json': jdupesJsonFormat,
  'rmlint-json': rmlintJsonFormat,
  'fclones-json': fclonesJsonFormat,
};

export type { DupesFormat, Output } from './format.js';
