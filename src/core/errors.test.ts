import { describe, expect, it } from 'vitest';
import { NodupeError } from './errors.js';

describe('NodupeError', () => {
  it('keeps the fix apart from the message, so that each face shows both', () => {
    const error = new NodupeError('BAD_INPUT', 'there is no catalog at /x.db', {
      hint: '`nodupe scan PATH` makes one',
    });
    expect(error.message).toBe('there is no catalog at /x.db');
    expect(error.hint).toBe('`nodupe scan PATH` makes one');
    expect(error.code).toBe('BAD_INPUT');
  });

  it('has no hint and no cause unless given', () => {
    const error = new NodupeError('FAILED', '2 errors found');
    expect(error.hint).toBeUndefined();
    expect('cause' in error).toBe(false);
    const cause = new Error('EACCES');
    expect(new NodupeError('BAD_INPUT', 'cannot read', { cause }).cause).toBe(cause);
  });
});
