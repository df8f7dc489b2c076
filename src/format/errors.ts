import { AudbError } from "../errors.js";

/** Where in a database an error was found. Every field is optional. */
export interface FormatErrorContext {
  /** Table or misc table id. */
  table?: string;
  /** Column id. */
  column?: string;
  /** A file path (media file, attachment path, or the file that failed to parse). */
  file?: string;
  /** Header field, e.g. `schemes.emotion.dtype`. */
  field?: string;
  /** 1-based line number in the file being read. */
  line?: number;
  cause?: unknown;
}

/**
 * Base class of every error raised by the audformat model (`src/format`).
 * The context fields name the table, column, file, header field and line
 * at fault where known.
 */
export class FormatError extends AudbError {
  readonly table?: string;
  readonly column?: string;
  readonly file?: string;
  readonly field?: string;
  readonly line?: number;

  constructor(message: string, context: FormatErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.table = context.table;
    this.column = context.column;
    this.file = context.file;
    this.field = context.field;
    this.line = context.line;
  }
}

/** An id (table, misc table, attachment, column) that is not allowed. */
export class InvalidIdError extends FormatError {}

/** A file path that is not portable (absolute, `\`, `.` or `..` segments, empty). */
export class InvalidPathError extends FormatError {}

/** A reference to an id that does not exist. */
export class UnknownIdError extends FormatError {}
export class UnknownSchemeError extends UnknownIdError {}
export class UnknownRaterError extends UnknownIdError {}
export class UnknownSplitError extends UnknownIdError {}
export class UnknownMediaError extends UnknownIdError {}
export class UnknownTableError extends UnknownIdError {}
export class UnknownColumnError extends UnknownIdError {}
export class UnknownAttachmentError extends UnknownIdError {}

/** A header field has a value outside its allowed set (usage, dtype, rater type, ...). */
export class InvalidValueError extends FormatError {}

/** A language that cannot be mapped to ISO 639-3. */
export class LanguageError extends InvalidValueError {}

/** Values that are not among the labels of their scheme, or labels that are inconsistent. */
export class LabelError extends FormatError {}

/** Values below a scheme's minimum or above its maximum. */
export class OutOfRangeError extends FormatError {}

/** Values that do not fit the data type of their column or index level. */
export class DtypeError extends FormatError {}

/** The same index entry appears more than once in a table. */
export class DuplicateIndexError extends FormatError {}

/** An index that does not fit the table (wrong type, wrong length, entries not in the table). */
export class IndexMismatchError extends FormatError {}

/** The same id is used by a table and a misc table. */
export class TableExistsError extends FormatError {}

/** Attachment paths that are identical or nested. */
export class AttachmentOverlapError extends FormatError {}

/** A table or misc table whose data has not been loaded yet. */
export class TableNotLoadedError extends FormatError {}

/** A table file (CSV / parquet) is missing. */
export class MissingTableFileError extends FormatError {}

/** A misc table that cannot be removed because a scheme uses it as labels. */
export class TableInUseError extends FormatError {}

/** Malformed `db.yaml` (syntax, structure or a missing required field). */
export class YamlError extends FormatError {}

/** A YAML document that expands too many aliases (a "billion laughs" alias bomb). */
export class YamlAliasError extends YamlError {}

/** Malformed table CSV. `line` is the 1-based line in the CSV file. */
export class CsvError extends FormatError {}

/** A parquet table that cannot be read or does not match its header. */
export class ParquetError extends FormatError {}
