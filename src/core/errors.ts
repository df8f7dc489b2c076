import { AudbError } from "../errors.js";

/** A version that is not MAJOR.MINOR.PATCH (no prefix, no pre-release), or not greater than the previous / latest one in audb's version order. */
export class InvalidVersionError extends AudbError {}
/** The version is already published. */
export class VersionExistsError extends AudbError {}
/** The requested database or version is not in any repository. */
export class MissingVersionError extends AudbError {}
/** The previous version lives in another repository than the one published to. */
export class RepositoryMismatchError extends AudbError {}
/** The local dependency table does not match the previous version's. */
export class DependencyMismatchError extends AudbError {}
/** Tables reference media that is neither on disk nor in the previous version. */
export class MissingMediaError extends AudbError {}
/** Another publish holds the claim on the version (see `breakClaim`). */
export class PublishInProgressError extends AudbError {}
/** A database folder that cannot be published as it is (extension case, symlink, overlap ...). */
export class PublishError extends AudbError {}
/** A downloaded file whose checksum differs from the dependency table. */
export class ChecksumMismatchError extends AudbError {}
/** A filter (regex or list) that matches nothing, or names unknown entries. */
export class FilterError extends AudbError {}
/** A cache folder lock that could not be taken. */
export class LockError extends AudbError {}
/** A cache folder lock that could not be acquired in time. */
export class LockTimeoutError extends LockError {}
/**
 * An option that cannot be used: a stream's batch or buffer size, a number of workers or a
 * timeout out of range, or a cache root / loadTo folder that is a file, a dangling symbolic
 * link or a loop of them.
 */
export class OptionError extends AudbError {}

/** `value` if it is a whole number above 0, else an {@link OptionError} naming `option`. */
export function positiveInteger(value: number, option: string): number {
  if (Number.isInteger(value) && value > 0) return value;
  throw new OptionError(`${option} must be a positive integer, got ${value}`);
}
