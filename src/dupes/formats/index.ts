import { csvFormat } from './csv.js';
import { fdupesFormat } from './fdupes.js';
import type { DupesFormat } from './format.js';
import { jsonFormat, ndjsonFormat } from './json.js';
import { textFormat } from './text.js';

export const FORMATS: Record<string, DupesFormat> = {
  text: textFormat,
  json: jsonFormat,
  csv: csvFormat,
  fdupes: fdupesFormat,
  ndjson: ndjsonFormat,
};

export type { DupesFormat, Output } from './format.js';
