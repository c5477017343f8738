/**
 * Error codes that callers may branch on. BAD_INPUT and USAGE: the user's input is wrong, nothing was touched
 * (exit 2). FAILED: the command ran and says why it did not fully succeed (exit 1), without a stack trace.
 * BUSY: another job holds what this one needs, try again later (exit 1). NOT_FOUND: what was named does not exist,
 * and CONFIRM: the request needs an explicit confirmation (exit 2, as bad input: nothing was touched).
 */
export type ErrorCode =
  | 'ABORT_ERR'
  | 'QUEUE_CLOSED'
  | 'POOL_CLOSED'
  | 'USAGE'
  | 'BAD_INPUT'
  | 'FAILED'
  | 'BUSY'
  | 'NOT_FOUND'
  | 'CONFIRM';

/** What a NodupeError may carry besides its message. */
export interface NodupeErrorOptions {
  cause?: unknown;
  /**
   * What the user can do about it, kept apart from the message (which says what is wrong), so that each face
   * shows both its own way: the command line as `nodupe: hint: …`, the page beside the message.
   */
  hint?: string;
}

/**
 * Base class for the errors nodupe throws on purpose: each carries a stable `code`, where known a `cause`, and
 * where there is one a `hint`: the fix, such as "`nodupe scan PATH` makes one".
 */
export class NodupeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  constructor(code: ErrorCode, message: string, options?: NodupeErrorOptions) {
    super(message, options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'NodupeError';
    this.code = code;
    this.hint = options?.hint;
  }
}

/** The rejection of anything cancelled through an AbortSignal or a shutdown. */
export class AbortError extends NodupeError {
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super('ABORT_ERR', message, options);
    this.name = 'AbortError';
  }
}

/** An AbortError that carries the signal's own reason as its cause. */
export function abortErrorFrom(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  return new AbortError('The operation was aborted', { cause: reason });
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export interface NumberRule {
  integer?: boolean;
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Smallest allowed value (exclusive). */
  above?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
}

/**
 * Validates a numeric option. A value of the wrong type is a TypeError, one out of range a RangeError; both
 * messages name the option, what was expected and what was received.
 */
export function checkNumber(name: string, value: unknown, rule: NumberRule = {}): number {
  const expected = describeRule(rule);
  if (typeof value !== 'number') {
    throw new TypeError(`${name}: expected ${expected}, received ${describe(value)}`);
  }
  const ok =
    !Number.isNaN(value) &&
    (rule.integer !== true || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max) &&
    (Number.isFinite(value) || rule.max === Infinity);
  if (!ok) throw new RangeError(`${name}: expected ${expected}, received ${describe(value)}`);
  return value;
}

function describeRule(rule: NumberRule): string {
  const parts = [rule.integer === true ? 'an integer' : 'a finite number'];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.max !== undefined && rule.max !== Infinity) parts.push(`<= ${rule.max}`);
  return parts.join(' ');
}

/** Validates that an options argument is a plain object (or absent) before its fields are read. */
export function checkOptions(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${name}: expected an options object, received ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Validates an optional AbortSignal option. */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new TypeError(`${name}: expected an AbortSignal, received ${describe(value)}`);
}
