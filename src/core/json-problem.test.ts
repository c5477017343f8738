import { describe, expect, it } from 'vitest';
import { jsonProblem } from './json-problem.js';

const problemOf = (text: string): string => {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonProblem(error);
  }
  throw new Error('parsed');
};

describe('jsonProblem', () => {
  it('never quotes the text, keeps the grammar and the place', () => {
    expect(problemOf('root:*:19000:0:99999:7:::')).toBe('an unexpected character');
    expect(problemOf('{"a":"secret-secret-secret')).toBe('Unterminated string at character 27');
    expect(problemOf('{"a":1,}')).toBe('Expected double-quoted property name at character 8');
    expect(problemOf('{"a":1 "b"}')).toBe("Expected ',' or '}' after property value at character 8");
    expect(problemOf('{"a":1} x')).toBe('Unexpected non-whitespace character at character 9');
    expect(problemOf('{"a":')).toBe('it ends too soon');
    for (const text of ['hello', '{"a":tru}', '[1,2,secret]', '"abc\\q"', '"secret']) {
      expect(problemOf(text)).not.toMatch(/secret|hello|tru|abc/);
    }
  });
});
