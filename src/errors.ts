/**
 * A user-facing error: its message is one line naming the file / line / node
 * and what was expected. The CLI prints just the message (stack with --verbose).
 */
export class A2mError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'A2mError';
  }
}

/** Throws an A2mError when `cond` is false. */
export function check(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new A2mError(typeof message === 'function' ? message() : message);
}
