import { InvalidIdError, InvalidPathError, type FormatErrorContext } from "./errors.js";

/** Characters allowed in table, misc table and attachment ids: they become file names. */
export const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** True when `name` can be one segment of a repository key (a database or archive name): audbackend's characters, not `.` or `..`. */
export function isKeySegment(name: string): boolean {
  return ID_PATTERN.test(name) && name !== "." && name !== "..";
}

/**
 * True where `c:x` names a drive (Windows). Elsewhere it is a relative name that
 * audformat's `is_relative_path` (`os.path.isabs`) accepts and audb-python publishes.
 */
export const DRIVE_LETTERS_ARE_ABSOLUTE = process.platform === "win32";

/** Paths that need no segment-by-segment check (also excluding `/.` and `//` below). */
const FAST_OK = /^(?![A-Za-z]:)[^/\\\0.][^\\\0]*$/;

/**
 * Why `path` is not a portable relative path, or `null` if it is.
 *
 * Portable (audformat's `is_relative_path`, slightly stricter): not empty, not
 * absolute (`/x`, `C:/x`, `C:\x`), no `\`, no `.` or `..` segment, no empty
 * segment (`a//b`), no NUL character. A single trailing `/` is allowed (folders).
 * `asRead`: the path is read, not written: a leading drive letter (`c:x`) is then
 * refused only where it names a drive, so what audb-python published on POSIX loads.
 */
export function portablePathProblem(path: string, asRead = false): string | null {
  if (typeof path !== "string" || path.length === 0) return "is empty";
  if (FAST_OK.test(path) && !path.includes("/.") && !path.includes("//")) return null;
  if (path.includes("\0")) return "contains a NUL character";
  if (path.includes("\\")) return "contains '\\'";
  if (path.startsWith("/")) return "is absolute";
  if (/^[A-Za-z]:/.test(path) && (DRIVE_LETTERS_ARE_ABSOLUTE || !asRead)) return "is absolute (drive letter)";
  const parts = path.split("/");
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) {
    const part = parts[i];
    if (part === ".") return "contains a '.' segment";
    if (part === "..") return "contains a '..' segment";
    if (part === "" && !(i === last && i > 0)) return "contains an empty segment";
  }
  return null;
}

/** `true` if `path` is a portable relative path (see {@link checkPortablePath}). */
export function isPortablePath(path: string): boolean {
  return portablePathProblem(path) === null;
}

/**
 * Throw {@link InvalidPathError} unless `path` is a portable relative path:
 * not empty, not absolute, no `\`, no `.`/`..`/empty segments.
 * `what` names the path in the message (default "path").
 */
export function checkPortablePath(
  path: string,
  what = "path",
  context: FormatErrorContext = {},
  asRead = false,
): void {
  const problem = portablePathProblem(path, asRead);
  if (problem !== null) {
    const where = context.table !== undefined ? ` in table '${context.table}'` : "";
    const line = context.line !== undefined ? ` (line ${context.line})` : "";
    const shown = typeof path === "string" && path.length > 0 ? ` '${path}'` : "";
    throw new InvalidPathError(
      `Invalid ${what}${shown}${where}${line}: ${problem}; ` +
        `paths must be relative, use '/' and contain no '.' or '..' segments`,
      { file: String(path), ...context },
    );
  }
}

/** Throw {@link InvalidIdError} unless `id` matches `[A-Za-z0-9._-]+`. */
export function checkId(id: string, what: string, context: FormatErrorContext = {}): void {
  if (typeof id !== "string" || !ID_PATTERN.test(id)) {
    throw new InvalidIdError(
      `Invalid ${what} id '${String(id)}': only letters, digits, '.', '_' and '-' are allowed`,
      context,
    );
  }
}
