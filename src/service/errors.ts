import { NodupeError, type ErrorCode } from '../core/errors.js';

/**
 * A NodupeError with its fix apart from the message (`hint`), as the API shows both. The hint rides in the
 * options, where the library's errors take it.
 */
export function serviceError(code: ErrorCode, message: string, hint?: string): NodupeError {
  const options = (hint === undefined ? {} : { hint }) as { cause?: unknown };
  const error = new NodupeError(code, message, options);
  if (hint !== undefined && (error as { hint?: string }).hint === undefined) {
    Object.defineProperty(error, 'hint', { value: hint, enumerable: true });
  }
  return error;
}

export const badInput = (message: string, hint?: string) => serviceError('BAD_INPUT', message, hint);
/** Params of the wrong shape: JSON-RPC answers them with its own "invalid params" code. */
export const invalidParams = (message: string) => serviceError('USAGE', message);
export const notFound = (message: string, hint?: string) => serviceError('NOT_FOUND', message, hint);
