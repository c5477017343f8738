/**
 * What is wrong with a text JSON.parse refused, without a byte of the text: V8's message may quote the start of
 * it (`Unexpected token 'r', "root:*:19"... is not valid JSON`), and a file named by a link may be one its
 * reader has no right to see. The grammar's words (`Expected ',' or '}' after property value`) and the place
 * are kept; anything else becomes "an unexpected character".
 */
export function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message === 'Unexpected end of JSON input') return 'it ends too soon';
  // Node 22 and later add ` (line L column C)`.
  const at = / (?:in|after) JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message);
  const words = at === null ? '' : message.slice(0, at.index);
  // Only letters and spaces, and the grammar's own characters quoted one by one.
  if (at === null || /^Unexpected token/.test(words) || !/^([A-Za-z -]|'[,:\]}]')*$/.test(words)) {
    return 'an unexpected character';
  }
  return `${words} at character ${Number(at[1]) + 1}`;
}
