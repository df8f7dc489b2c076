import { CommanderError } from "commander";
import { AudbError } from "../src/errors.js";

/** A flag or argument the user gave does not make sense. */
export class UsageError extends AudbError {}

/**
 * Reports an error that ended a command and returns the exit code: 1 for user errors
 * (an {@link AudbError}: one line naming the culprit; commander's own errors are already
 * printed), 2 for anything else (a bug: message and stack).
 */
export function reportError(err: unknown, write: (text: string) => void): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
  if (err instanceof AudbError) {
    write(`error: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
  write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
}
