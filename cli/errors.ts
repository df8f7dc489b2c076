import { AudbError } from "../src/errors.js";

/** A flag or argument the user gave does not make sense. */
export class UsageError extends AudbError {}
