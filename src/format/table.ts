/**
 * Tables: `Table` (filewise or segmented index, conform to audformat) and
 * `MiscTable` (any named, typed index levels).
 */

import { Column } from "./column.js";
import type { Database } from "./database.js";
import {
  FormatError,
  IndexMismatchError,
  InvalidIdError,
  TableNotLoadedError,
  UnknownColumnError,
} from "./errors.js";
import { Frame, Series } from "./frame.js";
import { appendMeta } from "./header-yaml.js";
import { HeaderBase, type HeaderOptions } from "./header-items.js";
import { filewiseIndex, Index, type IndexType } from "./table-index.js";
import { emptyValues, type Dtype } from "./values.js";
import type { YamlValue } from "./yaml-emit.js";

export interface TableOptions extends HeaderOptions {
  splitId?: string;
  mediaId?: string;
}

/** Columns of a table; adding a column attaches it to the table. */
export class ColumnMap extends Map<string, Column> {
  private owner?: BaseTable;

  /** @internal */
  _attach(owner: BaseTable): this {
    this.owner = owner;
    return this;
  }

  override set(id: string, column: Column): this {
    if (this.owner) this.owner._attachColumn(id, column);
    return super.set(id, column);
  }
}

function describeEntry(index: Index, i: number): string {
  return index.describe(i);
}

export abstract class BaseTable extends HeaderBase {
  splitId?: string;
  mediaId?: string;
  readonly columns: ColumnMap;
  /** Database the table belongs to (set when added). */
  db?: Database;
  /** Table id in its database. */
  id?: string;
  protected _index?: Index;
  /** @internal 1-based source file line of each row, kept after loading for messages. */
  _lines?: Int32Array;
  /** @internal File the data was loaded from. */
  _source?: string;

  constructor(index: Index | undefined, opts: TableOptions = {}) {
    super(opts);
    this.splitId = opts.splitId;
    this.mediaId = opts.mediaId;
    this.columns = new ColumnMap()._attach(this);
    this._index = index;
  }

  /** `true` once the table holds its index and values (always, unless loaded lazily). */
  get isLoaded(): boolean {
    return this._index !== undefined;
  }

  /** The table index. Throws {@link TableNotLoadedError} before the data is loaded. */
  get index(): Index {
    if (this._index === undefined) {
      throw new TableNotLoadedError(`Data of table '${this.id}' is not loaded (call await table.load())`, { table: this.id });
    }
    return this._index;
  }

  /** Number of rows. */
  get length(): number {
    return this.index.length;
  }

  /** Column `id` (throws {@link UnknownColumnError} if missing). */
  column(id: string): Column {
    const c = this.columns.get(id);
    if (!c) {
      throw new UnknownColumnError(`Table '${this.id}' has no column '${id}' (columns: ${[...this.columns.keys()].join(", ")})`, {
        table: this.id,
        column: id,
      });
    }
    return c;
  }

  /** Add a column (optionally with values) and return it. */
  addColumn(id: string, column: Column = new Column(), values?: ArrayLike<unknown>): Column {
    this.columns.set(id, column);
    if (values !== undefined) column.set(values);
    return column;
  }

  /** @internal called by {@link ColumnMap.set}. */
  _attachColumn(id: string, column: Column): void {
    if (typeof id !== "string" || id.length === 0) throw new InvalidIdError(`Invalid column id '${String(id)}'`, { table: this.id });
    const levels = this._levelNames();
    if (levels.includes(id)) {
      throw new InvalidIdError(
        `Cannot add column '${id}' to table '${this.id}': there is an index level with the same name (levels: ${levels.join(", ")})`,
        { table: this.id, column: id },
      );
    }
    if (column.table && column.table !== this) {
      throw new FormatError(`Column '${id}' already belongs to table '${column.table.id}'`, { table: this.id, column: id });
    }
    column.table = this;
    column.id = id;
    if (this.isLoaded && column._hasValues && column.values.length !== this.length) {
      throw new IndexMismatchError(`Column '${id}' has a different length than table '${this.id}'`, { table: this.id, column: id });
    }
  }

  /** @internal Level names (from the index, or the header before loading). */
  abstract _levelNames(): string[];

  /**
   * @internal Replace index and column values at once (loading, picking).
   * `values` holds storage of each column's dtype.
   */
  _setData(index: Index, values: Map<string, { dtype: Dtype; values: import("./values.js").Values }>): void {
    this._index = index;
    for (const [id, column] of this.columns) {
      const v = values.get(id);
      if (v) column._setRaw(v.values, v.dtype);
      else column._setRaw(emptyValues(column.dtype, index.length), column.dtype);
    }
  }

  /** @internal Drop index and values (back to not loaded). */
  _unload(): void {
    this._index = undefined;
    this._lines = undefined;
    for (const column of this.columns.values()) column._setRaw(undefined, column.dtype);
  }

  /** Keep the rows at `rows` (in that order). */
  protected _takeRows(rows: ArrayLike<number>): void {
    const index = this.index.take(rows);
    const values = new Map<string, { dtype: Dtype; values: import("./values.js").Values }>();
    for (const [id, column] of this.columns) {
      const dtype = column.dtype;
      const src = column.values;
      const n = rows.length;
      let out: import("./values.js").Values;
      if (Array.isArray(src)) {
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = src[rows[i]];
        out = a;
      } else {
        const a = new (src.constructor as Float64ArrayConstructor)(n);
        for (let i = 0; i < n; i++) a[i] = (src as Float64Array)[rows[i]];
        out = a;
      }
      values.set(id, { dtype, values: out });
    }
    this._setData(index, values);
    this._lines = undefined;
  }

  /** @internal Rows and result index for `get({ index })`. `rows` undefined = all rows in order. */
  _rowsForGet(index: Index | undefined): { rows: Int32Array | undefined; index: Index } {
    if (index === undefined) return { rows: undefined, index: this.index };
    return this._lookup(index, "get");
  }

  /** @internal Rows to set for `column.set(values, { index })`. */
  _rowsForSet(index: Index): Int32Array {
    return this._lookup(index, "set").rows;
  }

  protected _lookup(index: Index, _op: "get" | "set"): { rows: Int32Array; index: Index } {
    const own = this.index;
    if (!own.isAlike(index)) {
      throw new IndexMismatchError(
        `Index levels [${index.names.join(", ")}] do not match table '${this.id}' [${own.names.join(", ")}]`,
        { table: this.id },
      );
    }
    const map = own.keyMap();
    const rows = new Int32Array(index.length);
    for (let i = 0; i < index.length; i++) {
      const r = map.get(index.key(i));
      if (r === undefined) {
        throw new IndexMismatchError(`Index entry ${describeEntry(index, i)} is not in table '${this.id}'`, { table: this.id });
      }
      rows[i] = r;
    }
    return { rows, index };
  }

  /**
   * Get the table's values as a {@link Frame}, for all rows or the entries
   * of `index`. `map` replaces columns by fields of their scheme labels, as
   * audformat does: `{ speaker: "gender" }` replaces `speaker` by `gender`,
   * `{ speaker: ["speaker", "gender", "age"] }` keeps `speaker` and adds two.
   */
  get(opts: { index?: Index; map?: Record<string, string | string[]> } = {}): Frame {
    const { rows, index } = this._rowsForGet(opts.index);
    const columns = new Map<string, Series>();
    for (const [id, column] of this.columns) {
      const dtype = column.dtype;
      const values = column.values;
      columns.set(
        id,
        new Series(id, dtype, index, rows === undefined ? (values.slice() as typeof values) : takeRows(values, rows)),
      );
    }
    if (opts.map) {
      for (const [id, mapped] of Object.entries(opts.map)) {
        const column = this.column(id);
        const targets = Array.isArray(mapped) ? mapped : [mapped];
        for (const target of targets) {
          if (targets.length > 1 && target === id) continue;
          const s = column.get({ index: opts.index, map: target });
          columns.set(target, new Series(target, s.dtype, index, s.values));
        }
        if (!targets.includes(id)) columns.delete(id);
      }
    }
    return new Frame(index, columns);
  }

  /** Header as written to `db.yaml`. */
  abstract toYaml(): Map<YamlValue, YamlValue>;

  protected _columnsYaml(out: Map<YamlValue, YamlValue>): void {
    if (this.description !== undefined && this.description !== null) out.set("description", this.description);
    if (this.splitId !== undefined) out.set("split_id", this.splitId);
    if (this.mediaId !== undefined) out.set("media_id", this.mediaId);
    if (this.columns.size > 0) {
      const cols = new Map<YamlValue, YamlValue>();
      for (const [id, column] of this.columns) cols.set(id, column.toYaml() as YamlValue);
      out.set("columns", cols as YamlValue);
    }
    appendMeta(out, this.meta);
  }

  /** Load the data from the database root (no-op when loaded). */
  async load(): Promise<void> {
    if (this.isLoaded) return;
    const db = this.db;
    if (!db || db.root === undefined || this.id === undefined) {
      throw new TableNotLoadedError(`Table '${this.id}' has no database root to load its data from`, { table: this.id });
    }
    await db.loadTables([this.id]);
  }
}

function takeRows(values: import("./values.js").Values, rows: ArrayLike<number>): import("./values.js").Values {
  const n = rows.length;
  if (Array.isArray(values)) {
    const a = new Array(n);
    for (let i = 0; i < n; i++) a[i] = values[rows[i]];
    return a;
  }
  const a = new (values.constructor as Float64ArrayConstructor)(n);
  for (let i = 0; i < n; i++) a[i] = (values as Float64Array)[rows[i]];
  return a;
}

/** A table with a filewise (`file`) or segmented (`file`, `start`, `end`) index. */
export class Table extends BaseTable {
  private _type: IndexType;

  constructor(index: Index = filewiseIndex(), opts: TableOptions = {}) {
    const type = index.type;
    if (type === undefined) {
      throw new IndexMismatchError(
        `A table needs a filewise ('file') or segmented ('file', 'start', 'end') index, got levels [${index.names.join(", ")}]; use MiscTable`,
      );
    }
    super(index, opts);
    this._type = type;
  }

  /** @internal A table whose data is loaded later. */
  static _unloaded(type: IndexType, opts: TableOptions = {}): Table {
    const t = new Table(filewiseIndex(), opts);
    t._type = type;
    t._index = undefined;
    return t;
  }

  get type(): IndexType {
    return this._type;
  }

  get isFilewise(): boolean {
    return this._type === "filewise";
  }

  get isSegmented(): boolean {
    return this._type === "segmented";
  }

  _levelNames(): string[] {
    return this._type === "filewise" ? ["file"] : ["file", "start", "end"];
  }

  override _setData(index: Index, values: Map<string, { dtype: Dtype; values: import("./values.js").Values }>): void {
    const type = index.type;
    if (type === undefined) throw new IndexMismatchError(`Table '${this.id}' needs a filewise or segmented index`, { table: this.id });
    this._type = type;
    super._setData(index, values);
  }

  /** Media files of all rows (with repeats for segments). */
  get files(): string[] {
    return this.index.files;
  }

  /** Segment starts in seconds (0 for a filewise table). */
  get starts(): Float64Array {
    return this.index.starts;
  }

  /** Segment ends in seconds (NaN = open end; all NaN for a filewise table). */
  get ends(): Float64Array {
    return this.index.ends;
  }

  protected override _lookup(index: Index, op: "get" | "set"): { rows: Int32Array; index: Index } {
    const type = index.type;
    if (type === undefined || type === this._type) return super._lookup(index, op);
    const own = this.index;
    const files = index.files;
    if (this._type === "filewise") {
      // segmented index on a filewise table: one row per segment
      if (op === "set") {
        throw new IndexMismatchError(`Cannot set values of filewise table '${this.id}' using a segmented index`, { table: this.id });
      }
      const map = own.keyMap();
      const rows = new Int32Array(index.length);
      for (let i = 0; i < index.length; i++) {
        const r = map.get(files[i] as string);
        if (r === undefined) throw new IndexMismatchError(`File '${files[i]}' is not in table '${this.id}'`, { table: this.id, file: files[i] ?? undefined });
        rows[i] = r;
      }
      return { rows, index };
    }
    // filewise index on a segmented table: all segments of each file
    const byFile = new Map<string, number[]>();
    const ownFiles = own.files;
    for (let r = 0; r < own.length; r++) {
      const f = ownFiles[r] as string;
      let list = byFile.get(f);
      if (!list) byFile.set(f, (list = []));
      list.push(r);
    }
    const rows: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < index.length; i++) {
      const f = files[i] as string;
      if (seen.has(f)) continue;
      seen.add(f);
      const list = byFile.get(f);
      if (!list) throw new IndexMismatchError(`File '${f}' is not in table '${this.id}'`, { table: this.id, file: f });
      for (const r of list) rows.push(r);
    }
    const r = Int32Array.from(rows);
    return { rows: r, index: own.take(r) };
  }

  /** Keep only rows whose file is in `files` (or matches the predicate). */
  pickFiles(files: Iterable<string> | ((file: string) => boolean)): this {
    return this._filterFiles(files, true);
  }

  /** Remove rows whose file is in `files` (or matches the predicate). */
  dropFiles(files: Iterable<string> | ((file: string) => boolean)): this {
    return this._filterFiles(files, false);
  }

  /** Replaces every file path by `fn(path)`, e.g. to make paths absolute or change their extension. */
  mapFiles(fn: (file: string) => string): this {
    const levels = this.index.levels.map((l) => (l.name === "file" ? { ...l, values: (l.values as string[]).map(fn) } : l));
    this._index = new Index(levels);
    return this;
  }

  private _filterFiles(files: Iterable<string> | ((file: string) => boolean), keep: boolean): this {
    const test = typeof files === "function" ? files : ((set) => (f: string) => set.has(f))(new Set(files));
    const own = this.index.files;
    const rows: number[] = [];
    for (let r = 0; r < own.length; r++) if (test(own[r] as string) === keep) rows.push(r);
    if (rows.length !== own.length) this._takeRows(rows);
    return this;
  }

  toYaml(): Map<YamlValue, YamlValue> {
    const out = new Map<YamlValue, YamlValue>();
    out.set("type", this._type);
    this._columnsYaml(out);
    return out;
  }
}

/** A table with any index: named, typed levels (e.g. `speaker: int`). */
export class MiscTable extends BaseTable {
  private _levels: Array<{ name: string; dtype: Dtype }>;

  constructor(index: Index, opts: TableOptions = {}) {
    const names = index.names;
    if (names.some((n) => typeof n !== "string" || n.length === 0) || new Set(names).size !== names.length) {
      throw new InvalidIdError(`Index level names of a misc table must be non-empty and unique, got [${names.join(", ")}]`);
    }
    super(index, opts);
    this._levels = index.levels.map((l) => ({ name: l.name, dtype: l.dtype }));
  }

  /** @internal A misc table whose data is loaded later. */
  static _unloaded(levels: Array<{ name: string; dtype: Dtype }>, opts: TableOptions = {}): MiscTable {
    const t = new MiscTable(new Index(levels.map((l) => ({ ...l, values: emptyValues(l.dtype, 0) }))), opts);
    t._index = undefined;
    return t;
  }

  /** Index level names and dtypes, e.g. `{ speaker: "int" }`. */
  get levels(): Record<string, Dtype> {
    return Object.fromEntries(this._levels.map((l) => [l.name, l.dtype]));
  }

  /** @internal */
  get _levelList(): Array<{ name: string; dtype: Dtype }> {
    return this._levels;
  }

  _levelNames(): string[] {
    return this._levels.map((l) => l.name);
  }

  override _setData(index: Index, values: Map<string, { dtype: Dtype; values: import("./values.js").Values }>): void {
    this._levels = index.levels.map((l) => ({ name: l.name, dtype: l.dtype }));
    super._setData(index, values);
  }

  /** Keep the rows whose index entry is in `index`. */
  pickIndex(index: Index): this {
    const map = index.keyMap();
    const rows: number[] = [];
    for (let r = 0; r < this.length; r++) if (map.has(this.index.key(r))) rows.push(r);
    if (rows.length !== this.length) this._takeRows(rows);
    return this;
  }

  toYaml(): Map<YamlValue, YamlValue> {
    const out = new Map<YamlValue, YamlValue>();
    const levels = new Map<YamlValue, YamlValue>();
    for (const l of this._levels) levels.set(l.name, l.dtype);
    out.set("levels", levels as YamlValue);
    this._columnsYaml(out);
    return out;
  }
}
