import { AudbError } from "../errors.js";

/** Kind of a file in the dependency table (audb's `define.DEPENDENCY_TYPE`). */
export const DependencyType = { meta: 0, media: 1, attachment: 2 } as const;
export type DependencyType = (typeof DependencyType)[keyof typeof DependencyType];

/** A file that the dependency table does not hold. */
export class MissingDependencyError extends AudbError {}
/** A dependency table that cannot be parsed. */
export class DependencyTableError extends AudbError {}

/** One row of the dependency table. */
export interface DependencyRow {
  file: string;
  archive: string;
  bitDepth: number;
  channels: number;
  checksum: string;
  duration: number;
  format: string;
  removed: boolean;
  samplingRate: number;
  type: DependencyType;
  version: string;
}

/** Column names of audb's dependency table, in order (the file is the index). */
export const DEPENDENCY_COLUMNS = [
  "archive",
  "bit_depth",
  "channels",
  "checksum",
  "duration",
  "format",
  "removed",
  "sampling_rate",
  "type",
  "version",
] as const;

/** The columns of a dependency table, one array per column, rows in table order. */
export interface DependencyColumns {
  file: string[];
  archive: string[];
  bitDepth: number[];
  channels: number[];
  checksum: string[];
  duration: number[];
  format: string[];
  removed: number[];
  samplingRate: number[];
  type: number[];
  version: string[];
}

function emptyColumns(): DependencyColumns {
  return {
    file: [], archive: [], bitDepth: [], channels: [], checksum: [], duration: [],
    format: [], removed: [], samplingRate: [], type: [], version: [],
  };
}

/**
 * audb's dependency table: for every file of a database version (tables, media,
 * attachments) its archive, audio properties, checksum and the version that last
 * uploaded it. Stored column-wise; lookups by file are O(1).
 */
export class Dependencies {
  private cols: DependencyColumns;
  private indexCache: Map<string, number> | undefined;

  constructor(columns?: DependencyColumns) {
    this.cols = columns ?? emptyColumns();
    const n = this.cols.file.length;
    for (const [name, col] of Object.entries(this.cols) as [string, unknown[]][]) {
      if (col.length !== n) throw new DependencyTableError(`dependency column '${name}' has ${col.length} rows, expected ${n}`);
    }
  }

  /** The raw columns (read-only use). */
  get columns(): Readonly<DependencyColumns> {
    return this.cols;
  }

  private get index(): Map<string, number> {
    if (!this.indexCache) {
      const map = new Map<string, number>();
      const files = this.cols.file;
      for (let i = 0; i < files.length; i++) {
        if (map.has(files[i]!)) throw new DependencyTableError(`dependency table lists '${files[i]}' twice`);
        map.set(files[i]!, i);
      }
      this.indexCache = map;
    }
    return this.indexCache;
  }

  /** Number of rows. */
  get length(): number {
    return this.cols.file.length;
  }

  /** True when the table has a row for `file`. */
  has(file: string): boolean {
    return this.index.has(file);
  }

  private row(file: string): number {
    const i = this.index.get(file);
    if (i === undefined) throw new MissingDependencyError(`'${file}' is not in the dependency table`);
    return i;
  }

  /** The full row of `file`. */
  get(file: string): DependencyRow {
    return this.rowAt(this.row(file));
  }

  /** The row at position `i`. */
  rowAt(i: number): DependencyRow {
    const c = this.cols;
    return {
      file: c.file[i]!, archive: c.archive[i]!, bitDepth: c.bitDepth[i]!, channels: c.channels[i]!,
      checksum: c.checksum[i]!, duration: c.duration[i]!, format: c.format[i]!, removed: c.removed[i] === 1,
      samplingRate: c.samplingRate[i]!, type: c.type[i] as DependencyType, version: c.version[i]!,
    };
  }

  /** All rows in table order. */
  *rows(): IterableIterator<DependencyRow> {
    for (let i = 0; i < this.length; i++) yield this.rowAt(i);
  }

  archive(file: string): string { return this.cols.archive[this.row(file)]!; }
  bitDepth(file: string): number { return this.cols.bitDepth[this.row(file)]!; }
  channels(file: string): number { return this.cols.channels[this.row(file)]!; }
  checksum(file: string): string { return this.cols.checksum[this.row(file)]!; }
  duration(file: string): number { return this.cols.duration[this.row(file)]!; }
  format(file: string): string { return this.cols.format[this.row(file)]!; }
  removed(file: string): boolean { return this.cols.removed[this.row(file)] === 1; }
  samplingRate(file: string): number { return this.cols.samplingRate[this.row(file)]!; }
  type(file: string): DependencyType { return this.cols.type[this.row(file)] as DependencyType; }
  version(file: string): string { return this.cols.version[this.row(file)]!; }

  private filesWhere(pred: (i: number) => boolean): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) if (pred(i)) out.push(this.cols.file[i]!);
    return out;
  }

  /** Every file. */
  get files(): string[] { return [...this.cols.file]; }
  /** Media files, including removed ones. */
  get media(): string[] { return this.filesWhere((i) => this.cols.type[i] === DependencyType.media); }
  /** Media files marked as removed. */
  get removedMedia(): string[] {
    return this.filesWhere((i) => this.cols.type[i] === DependencyType.media && this.cols.removed[i] === 1);
  }
  /** Table files (`db.<id>.csv` / `db.<id>.parquet`). */
  get tables(): string[] { return this.filesWhere((i) => this.cols.type[i] === DependencyType.meta); }
  /** Table ids. */
  get tableIds(): string[] { return this.tables.map((f) => f.replace(/^db\./, "").replace(/\.(csv|parquet)$/, "")); }
  /** Attachment paths. */
  get attachments(): string[] { return this.filesWhere((i) => this.cols.type[i] === DependencyType.attachment); }
  /** Attachment ids (stored in the archive column). */
  get attachmentIds(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.length; i++) if (this.cols.type[i] === DependencyType.attachment) out.push(this.cols.archive[i]!);
    return out;
  }
  /** Distinct archive names, sorted. */
  get archives(): string[] { return [...new Set(this.cols.archive)].sort(); }

  /** Adds a row, or replaces the row of the same file in place. */
  set(row: DependencyRow): void {
    const c = this.cols;
    let i = this.index.get(row.file);
    if (i === undefined) {
      i = c.file.length;
      c.file.push(row.file);
      this.index.set(row.file, i);
    }
    c.archive[i] = row.archive; c.bitDepth[i] = row.bitDepth; c.channels[i] = row.channels;
    c.checksum[i] = row.checksum; c.duration[i] = row.duration; c.format[i] = row.format;
    c.removed[i] = row.removed ? 1 : 0; c.samplingRate[i] = row.samplingRate; c.type[i] = row.type;
    c.version[i] = row.version;
  }

  /** Sets the version of the given files. */
  setVersion(files: Iterable<string>, version: string): void {
    for (const f of files) this.cols.version[this.row(f)] = version;
  }

  /** Marks a media file as removed. */
  markRemoved(file: string): void {
    this.cols.removed[this.row(file)] = 1;
  }

  /** Drops the rows of the given files (missing ones are ignored). */
  drop(files: Iterable<string>): void {
    const gone = new Set(files);
    if (gone.size === 0) return;
    const keep: number[] = [];
    for (let i = 0; i < this.length; i++) if (!gone.has(this.cols.file[i]!)) keep.push(i);
    if (keep.length === this.length) return;
    const next = emptyColumns();
    for (const key of Object.keys(next) as (keyof DependencyColumns)[]) {
      const src = this.cols[key] as unknown[];
      (next[key] as unknown[]) = keep.map((i) => src[i]);
    }
    this.cols = next;
    this.indexCache = undefined;
  }

  /** A deep copy. */
  clone(): Dependencies {
    const next = emptyColumns();
    for (const key of Object.keys(next) as (keyof DependencyColumns)[]) {
      (next[key] as unknown[]) = [...(this.cols[key] as unknown[])];
    }
    return new Dependencies(next);
  }

  /** True when both tables hold the same rows (order ignored, as audb sorts on compare). */
  equals(other: Dependencies): boolean {
    if (other.length !== this.length) return false;
    for (const row of this.rows()) {
      if (!other.has(row.file)) return false;
      const o = other.get(row.file);
      for (const key of Object.keys(row) as (keyof DependencyRow)[]) {
        if (key === "duration" ? Math.abs(o.duration - row.duration) > 1e-9 : o[key] !== row[key]) return false;
      }
    }
    return true;
  }
}
