/**
 * Base class of every error audb-ts throws on purpose. Catch this to tell
 * user errors (bad input, missing version, ...) from bugs.
 */
export class AudbError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
