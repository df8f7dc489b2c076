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

/** The message of anything thrown: an Error's message, else the value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
