/**
 * Column: header (scheme, rater, description, meta) and values of one table column.
 */

import { FormatError, LabelError, TableNotLoadedError, UnknownSchemeError } from "./errors.js";
import { Series } from "./frame.js";
import { appendMeta } from "./header-yaml.js";
import { HeaderBase, type HeaderOptions } from "./header-items.js";
import { checkValues, labelDict } from "./labels.js";
import type { BaseTable } from "./table.js";
import type { Index } from "./table-index.js";
import { convertValues, emptyValues, inferDtype, takeValues, toValues, type Dtype, type Values } from "./values.js";
import type { YamlValue } from "./yaml-emit.js";

export interface ColumnOptions extends HeaderOptions {
  schemeId?: string;
  raterId?: string;
}

function isScalar(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== "object" || v instanceof Date;
}

/** A column of a table: its scheme and rater (header) and, once loaded, its values. */
export class Column extends HeaderBase {
  schemeId?: string;
  raterId?: string;
  /** Table the column belongs to (set when added to a table). */
  table?: BaseTable;
  /** Column id in its table. */
  id?: string;
  private _values?: Values;
  private _valuesDtype: Dtype = "object";

  constructor(opts: ColumnOptions = {}) {
    super(opts);
    this.schemeId = opts.schemeId;
    this.raterId = opts.raterId;
  }

  /** Data type: the scheme's dtype, `object` without a scheme. */
  get dtype(): Dtype {
    if (this.schemeId !== undefined) {
      const scheme = this.table?.db?.schemes.get(this.schemeId);
      if (scheme) return scheme.dtype;
      return this._valuesDtype;
    }
    return this._values === undefined ? "object" : this._valuesDtype;
  }

  private requireTable(): BaseTable {
    if (!this.table) throw new FormatError(`Column${this.id ? ` '${this.id}'` : ""} is not assigned to a table`, { column: this.id });
    return this.table;
  }

  /** Values (typed storage, aligned with the table index; see `values.ts`). */
  get values(): Values {
    const table = this.requireTable();
    if (!table.isLoaded) {
      throw new TableNotLoadedError(`Data of table '${table.id}' is not loaded (call await table.load())`, { table: table.id, column: this.id });
    }
    const dtype = this.dtype;
    if (this._values === undefined || this._values.length !== table.length) {
      this._values = emptyValues(dtype, table.length);
      this._valuesDtype = dtype;
    } else if (this._valuesDtype !== dtype) {
      this._values = convertValues(this._valuesDtype, dtype, this._values, { table: table.id, column: this.id });
      this._valuesDtype = dtype;
    }
    return this._values;
  }

  /** @internal Store values without conversion (they must be of `dtype`). */
  _setRaw(values: Values | undefined, dtype: Dtype): void {
    this._values = values;
    this._valuesDtype = dtype;
  }

  /** @internal Whether values are held. */
  get _hasValues(): boolean {
    return this._values !== undefined;
  }

  /**
   * Set values. Without `index` all values are replaced (`values` needs one
   * entry per row, or a single scalar for all rows). With `index`, only
   * those rows are set; a filewise index on a segmented table sets every
   * segment of the files. Values are converted to the scheme's dtype and
   * checked against its labels / minimum / maximum.
   */
  set(values: ArrayLike<unknown> | unknown, opts: { index?: Index } = {}): void {
    const table = this.requireTable();
    const rows = opts.index === undefined ? undefined : table._rowsForSet(opts.index);
    // Without a scheme, new values replace the column whatever it held (a float column read from a file too).
    const dtype = this.schemeId === undefined && rows === undefined ? "object" : this.dtype;
    const n = rows === undefined ? table.length : rows.length;
    let input: ArrayLike<unknown>;
    if (isScalar(values) || typeof values === "string") input = new Array(n).fill(values);
    else input = values as ArrayLike<unknown>;
    if (input.length !== n) {
      throw new FormatError(
        `Cannot set ${input.length} values in column '${this.id}' of table '${table.id}': expected ${n}`,
        { table: table.id, column: this.id },
      );
    }
    const converted = toValues(dtype, input, { table: table.id, column: this.id });
    const scheme = this.schemeId === undefined ? undefined : table.db?.schemes.get(this.schemeId);
    if (scheme) checkValues(scheme, table.db, dtype, converted, { table: table.id, column: this.id, schemeId: this.schemeId });
    if (rows === undefined) {
      this._values = converted;
      this._valuesDtype = dtype;
      return;
    }
    const target = this.values;
    if (Array.isArray(target)) {
      for (let i = 0; i < rows.length; i++) target[rows[i]] = (converted as unknown[])[i];
    } else {
      for (let i = 0; i < rows.length; i++) (target as Float64Array)[rows[i]] = (converted as Float64Array)[i];
    }
  }

  /**
   * Get the values as a {@link Series}, optionally for `index` only (see
   * `table.get`) and optionally mapped through the scheme's labels:
   * `map: "gender"` replaces each value by the `gender` entry of its label
   * (dict labels or a misc table used as labels).
   */
  get(opts: { index?: Index; map?: string } = {}): Series {
    const table = this.requireTable();
    const { rows, index } = table._rowsForGet(opts.index);
    const dtype = this.dtype;
    const values = rows === undefined ? this.values.slice() as Values : takeValues(dtype, this.values, rows);
    if (opts.map === undefined) return new Series(this.id ?? "", dtype, index, values);
    return this.mapValues(opts.map, values, index);
  }

  private mapValues(map: string, values: Values, index: Index): Series {
    const table = this.requireTable();
    if (this.schemeId === undefined) {
      throw new LabelError(`Column '${this.id}' is not assigned to a scheme`, { table: table.id, column: this.id });
    }
    const db = table.db;
    const scheme = db?.schemes.get(this.schemeId);
    if (!scheme) {
      throw new UnknownSchemeError(`Column '${this.id}' of table '${table.id}' uses unknown scheme '${this.schemeId}'`, {
        table: table.id,
        column: this.id,
      });
    }
    const labels = labelDict(scheme, db, this.schemeId);
    if (labels === undefined) {
      throw new LabelError(`Scheme '${this.schemeId}' has no labels`, { table: table.id, column: this.id, field: `schemes.${this.schemeId}` });
    }
    const isDict = (v: unknown): v is Record<string, unknown> =>
      typeof v === "object" && v !== null && !(v instanceof Date) && !Array.isArray(v);
    const descriptions = [...labels.values()];
    const hasMapping = descriptions.some((v) => (isDict(v) ? Object.keys(v).length > 0 : v !== null && v !== undefined && v !== ""));
    if (!hasMapping) {
      throw new LabelError(`Scheme '${this.schemeId}' provides no mapping for its labels`, { table: table.id, column: this.id });
    }
    const keys = new Set<string>();
    for (const v of descriptions) if (isDict(v)) for (const k of Object.keys(v)) keys.add(k);
    if (keys.size > 0 && !keys.has(map)) {
      throw new LabelError(`Cannot map '${this.id}' to '${map}'. Expected one of ${[...keys].sort().map((k) => `'${k}'`).join(", ")}`, {
        table: table.id,
        column: this.id,
      });
    }
    const mapping = new Map<string, unknown>();
    for (const [label, v] of labels) {
      const key = typeof label === "number" ? "n" + label : "s" + String(label);
      mapping.set(key, isDict(v) ? (map in v ? v[map] : null) : v);
    }
    const out: unknown[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Array.isArray(values) ? values[i] : (values as Float64Array)[i];
      if (v === null || (typeof v === "number" && Number.isNaN(v))) {
        out[i] = null;
        continue;
      }
      const key = typeof v === "number" ? "n" + v : "s" + String(v);
      out[i] = mapping.has(key) ? mapping.get(key) ?? null : null;
    }
    // dtype: from the misc table column's scheme, else inferred from the values
    let outDtype: Dtype | undefined;
    if (typeof scheme.labels === "string") {
      const misc = db!.miscTables.get(scheme.labels);
      const source = misc?.columns.get(map);
      if (source?.schemeId !== undefined && db!.schemes.has(source.schemeId)) outDtype = db!.schemes.get(source.schemeId)!.dtype;
    }
    if (outDtype === undefined) outDtype = inferDtype(out);
    return new Series(map, outDtype, index, toValues(outDtype, out));
  }

  toYaml(): Map<YamlValue, YamlValue> {
    const out = new Map<YamlValue, YamlValue>();
    if (this.description !== undefined && this.description !== null) out.set("description", this.description);
    if (this.schemeId !== undefined) out.set("scheme_id", this.schemeId);
    if (this.raterId !== undefined) out.set("rater_id", this.raterId);
    appendMeta(out, this.meta);
    return out;
  }
}
