import { CommanderError } from "commander";
import { AudbError } from "../src/errors.js";

/** A flag or argument the user gave does not make sense. */
export class UsageError extends AudbError {}

/**
 * What the machine refuses, not a bug: a folder that cannot be written (read-only, not this
 * user's, full), a path that is not what it should be. Node's message names the path.
 */
const ENVIRONMENT_ERRORS = new Set(["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "ENOTDIR", "EISDIR", "ELOOP", "ENAMETOOLONG", "EMFILE"]);

/**
 * Reports an error that ended a command and returns the exit code: 1 for user errors
 * (an {@link AudbError}, or a file-system refusal of the user's folders: one line naming
 * the culprit; commander's own errors are already printed), 2 for anything else (a bug:
 * message and stack).
 */
export function reportError(err: unknown, write: (text: string) => void): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof AudbError || (err instanceof Error && code !== undefined && ENVIRONMENT_ERRORS.has(code))) {
    write(`error: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
  write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
}
