/**
 * Results of `table.get()` and `column.get()`: column-wise data with an index.
 */

import type { Index } from "./table-index.js";
import { isNA, takeValues, valueAt, valuesToArray, type Dtype, type Values } from "./values.js";

/** One column of values (typed storage, see `values.ts`) with its index. */
export class Series {
  constructor(
    readonly name: string,
    readonly dtype: Dtype,
    readonly index: Index,
    readonly values: Values,
  ) {}

  get length(): number {
    return this.values.length;
  }

  /** Value `i` as a plain JS value (`null` for NA, `Date` for dates, seconds for times). */
  at(i: number): unknown {
    return valueAt(this.dtype, this.values, i);
  }

  isNA(i: number): boolean {
    return isNA(this.dtype, this.values, i);
  }

  /** All values as plain JS values. */
  toArray(): unknown[] {
    return valuesToArray(this.dtype, this.values);
  }
}

/** Several columns sharing one index. */
export class Frame {
  constructor(
    readonly index: Index,
    readonly columns: Map<string, Series>,
  ) {}

  get length(): number {
    return this.index.length;
  }

  get columnIds(): string[] {
    return [...this.columns.keys()];
  }

  /** The column `id` (throws if missing). */
  column(id: string): Series {
    const s = this.columns.get(id);
    if (!s) throw new Error(`Frame has no column '${id}' (columns: ${this.columnIds.join(", ")})`);
    return s;
  }

  /** The rows at positions `rows`, in that order. */
  take(rows: ArrayLike<number>): Frame {
    const index = this.index.take(rows);
    const columns = new Map<string, Series>();
    for (const [id, s] of this.columns) columns.set(id, new Series(id, s.dtype, index, takeValues(s.dtype, s.values, rows)));
    return new Frame(index, columns);
  }

  /** Rows as objects: index level values and column values by name. */
  toRecords(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < this.length; i++) {
      const row: Record<string, unknown> = {};
      for (const level of this.index.levels) row[level.name] = valueAt(level.dtype, level.values, i);
      for (const [id, s] of this.columns) row[id] = s.at(i);
      out.push(row);
    }
    return out;
  }
}
