/**
 * Table indices: a filewise index (`file`), a segmented index (`file`,
 * `start`, `end`) or the named, typed levels of a misc table. Each level is
 * held column-wise like table columns (see `values.ts`); `start` and `end`
 * are seconds (NaN = NaT).
 */

import { IndexMismatchError } from "./errors.js";
import { compareCodePoints } from "./py.js";
import {
  concatValues,
  emptyValues,
  takeValues,
  toValues,
  valueAt,
  valueKey,
  valuesEqual,
  type Dtype,
  type StringValues,
  type Values,
} from "./values.js";

export type IndexType = "filewise" | "segmented";

export interface IndexLevel {
  name: string;
  dtype: Dtype;
  values: Values;
}

/** The index of a table: one or more named levels (`file`, `start`, `end`, or a misc table's own), column-wise. */
export class Index {
  readonly levels: readonly IndexLevel[];

  constructor(levels: IndexLevel[]) {
    if (levels.length === 0) throw new IndexMismatchError("An index needs at least one level");
    const n = levels[0].values.length;
    for (const level of levels) {
      if (level.values.length !== n) {
        throw new IndexMismatchError(
          `Index level '${level.name}' has ${level.values.length} entries, expected ${n}`,
        );
      }
    }
    this.levels = levels;
  }

  get length(): number {
    return this.levels[0].values.length;
  }

  get names(): string[] {
    return this.levels.map((l) => l.name);
  }

  /** `filewise`, `segmented`, or `undefined` for any other (misc table) index. */
  get type(): IndexType | undefined {
    const l = this.levels;
    if (l.length === 1 && l[0].name === "file" && l[0].dtype === "str") return "filewise";
    if (
      l.length === 3 &&
      l[0].name === "file" &&
      l[0].dtype === "str" &&
      l[1].name === "start" &&
      l[1].dtype === "time" &&
      l[2].name === "end" &&
      l[2].dtype === "time"
    ) {
      return "segmented";
    }
    return undefined;
  }

  level(name: string): IndexLevel {
    const level = this.levels.find((l) => l.name === name);
    if (!level) throw new IndexMismatchError(`Index has no level '${name}' (levels: ${this.names.join(", ")})`);
    return level;
  }

  /**
   * The `file` level (filewise and segmented indices). Typed as `string[]`:
   * a table with an NA file never passes validation.
   */
  get files(): string[] {
    return this.level("file").values as string[];
  }

  /** Segment starts in seconds (0 for a filewise index). */
  get starts(): Float64Array {
    if (this.type === "filewise") return new Float64Array(this.length);
    return this.level("start").values as Float64Array;
  }

  /** Segment ends in seconds (NaN = open end / NaT; all NaN for a filewise index). */
  get ends(): Float64Array {
    if (this.type === "filewise") return new Float64Array(this.length).fill(NaN);
    return this.level("end").values as Float64Array;
  }

  /** Entry `i` as plain values, one per level. */
  at(i: number): unknown[] {
    return this.levels.map((l) => valueAt(l.dtype, l.values, i));
  }

  /** A string that is equal for equal entries. */
  key(i: number): string {
    const l = this.levels;
    if (l.length === 1) return valueKey(l[0].dtype, l[0].values, i);
    let k = valueKey(l[0].dtype, l[0].values, i);
    for (let j = 1; j < l.length; j++) k += "\u0000" + valueKey(l[j].dtype, l[j].values, i);
    return k;
  }

  /** New index with the entries at `rows`. */
  take(rows: ArrayLike<number>): Index {
    return new Index(this.levels.map((l) => ({ name: l.name, dtype: l.dtype, values: takeValues(l.dtype, l.values, rows) })));
  }

  /** Same levels (names and dtypes)? */
  isAlike(other: Index): boolean {
    return (
      this.levels.length === other.levels.length &&
      this.levels.every((l, j) => l.name === other.levels[j].name && l.dtype === other.levels[j].dtype)
    );
  }

  equals(other: Index): boolean {
    return (
      this.isAlike(other) &&
      this.length === other.length &&
      this.levels.every((l, j) => valuesEqual(l.dtype, l.values, other.levels[j].values))
    );
  }

  /** Row of each entry key; the first row wins for duplicates. */
  keyMap(): Map<string, number> {
    const m = new Map<string, number>();
    if (this.type === "filewise") {
      const files = this.levels[0].values as StringValues;
      for (let i = files.length - 1; i >= 0; i--) m.set(files[i] as string, i);
      return m;
    }
    for (let i = this.length - 1; i >= 0; i--) m.set(this.key(i), i);
    return m;
  }

  private duplicatesByKey(): number[] {
    const seen = new Set<string>();
    const dups: number[] = [];
    for (let i = 0; i < this.length; i++) {
      const k = this.key(i);
      if (seen.has(k)) dups.push(i);
      else seen.add(k);
    }
    return dups;
  }

  /** Are entries `i` and `j` equal (NA equals NA, durations at nanosecond resolution)? */
  sameEntry(i: number, j: number): boolean {
    for (const l of this.levels) {
      const v = l.values as ArrayLike<unknown>;
      const a = v[i];
      const b = v[j];
      if (a === b) continue;
      if (typeof a === "number" && typeof b === "number") {
        if (Number.isNaN(a) && Number.isNaN(b)) continue;
        if (l.dtype === "time" && Math.round(a * 1e9) === Math.round(b * 1e9)) continue;
        return false;
      }
      if (valueKey(l.dtype, l.values, i) !== valueKey(l.dtype, l.values, j)) return false;
    }
    return true;
  }

  /** Rows of entries that appear more than once (every occurrence after the first). */
  duplicates(): number[] {
    const dups: number[] = [];
    const first = this.levels[0];
    if (this.levels.length === 1 && first.dtype === "str") {
      const seen = new Set<string | null>();
      const a = first.values as StringValues;
      for (let i = 0; i < a.length; i++) {
        if (seen.has(a[i])) dups.push(i);
        else seen.add(a[i]);
      }
      return dups;
    }
    // hash by the first level, compare entries along a chain of rows with the same first value
    const n = this.length;
    const head = new Map<unknown, number>();
    const next = new Int32Array(n).fill(-1);
    const firstValues = first.values as ArrayLike<unknown>;
    let longest = 0;
    for (let i = 0; i < n; i++) {
      const k = firstValues[i];
      const h = head.get(k);
      if (h === undefined) {
        head.set(k, i);
        continue;
      }
      let dup = false;
      let steps = 0;
      for (let r = h; r !== -1; r = next[r]) {
        steps++;
        if (this.sameEntry(i, r)) {
          dup = true;
          break;
        }
      }
      if (dup) dups.push(i);
      else {
        next[i] = next[h];
        next[h] = i;
      }
      if (steps > longest) longest = steps;
      if (longest > 64) return this.duplicatesByKey();
    }
    return dups.sort((a, b) => a - b);
  }

  /** Entry `i` as text for messages, e.g. `('a.wav', 0.5, NaT)`. */
  describe(i: number): string {
    const parts = this.levels.map((l) => {
      const v = valueAt(l.dtype, l.values, i);
      if (v === null) return l.dtype === "time" || l.dtype === "date" ? "NaT" : "NA";
      if (typeof v === "string") return `'${v}'`;
      if (v instanceof Date) return v.toISOString();
      return String(v);
    });
    return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
  }
}

/** A filewise index. */
export function filewiseIndex(files: ArrayLike<string> = []): Index {
  return new Index([{ name: "file", dtype: "str", values: toValues("str", files) }]);
}

/**
 * A segmented index. `starts` default to 0 and `ends` to NaN (open end, NaT);
 * times are seconds (numbers), pandas time strings or bigint nanoseconds.
 */
export function segmentedIndex(
  files: ArrayLike<string> = [],
  starts?: ArrayLike<unknown>,
  ends?: ArrayLike<unknown>,
): Index {
  const n = files.length;
  const s = starts === undefined ? new Float64Array(n) : toValues("time", starts);
  const e = ends === undefined ? new Float64Array(n).fill(NaN) : toValues("time", ends);
  if (s.length !== n || e.length !== n) {
    throw new IndexMismatchError(
      `Segmented index needs as many starts (${s.length}) and ends (${e.length}) as files (${n})`,
    );
  }
  return new Index([
    { name: "file", dtype: "str", values: toValues("str", files) },
    { name: "start", dtype: "time", values: s },
    { name: "end", dtype: "time", values: e },
  ]);
}

/** A misc table index from named, typed levels given as plain values. */
export function miscIndex(levels: Array<{ name: string; dtype: Dtype; values: ArrayLike<unknown> }>): Index {
  return new Index(levels.map((l) => ({ name: l.name, dtype: l.dtype, values: toValues(l.dtype, l.values, { field: l.name }) })));
}

/** Convert a filewise index to a segmented one (start 0, end NaT). Segmented indices are returned as they are. */
export function toSegmentedIndex(index: Index): Index {
  if (index.type === "segmented") return index;
  if (index.type !== "filewise") throw new IndexMismatchError("Only a filewise index can be converted to a segmented index");
  const n = index.length;
  return new Index([
    index.levels[0],
    { name: "start", dtype: "time", values: new Float64Array(n) },
    { name: "end", dtype: "time", values: new Float64Array(n).fill(NaN) },
  ]);
}

function alignIndices(indices: Index[]): Index[] {
  // like audformat: if all are filewise/segmented and one is segmented, the result is segmented
  if (indices.every((i) => i.type !== undefined) && indices.some((i) => i.type === "segmented")) {
    return indices.map(toSegmentedIndex);
  }
  const first = indices[0];
  for (const other of indices.slice(1)) {
    if (!first.isAlike(other)) {
      const fmt = (i: Index) => i.levels.map((l) => `${l.name}: ${l.dtype}`).join(", ");
      throw new IndexMismatchError(`Indices are not alike: [${fmt(first)}] vs. [${fmt(other)}]`);
    }
  }
  return indices;
}

/**
 * Union of indices (audformat's `utils.union`): entries in order of first
 * appearance, duplicates dropped. Mixing filewise and segmented indices gives
 * a segmented index.
 */
export function unionIndex(indices: Index[]): Index {
  if (indices.length === 0) return filewiseIndex();
  const aligned = alignIndices(indices);
  const first = aligned[0];
  const all =
    aligned.length === 1
      ? first
      : new Index(
          first.levels.map((l, j) => ({
            name: l.name,
            dtype: l.dtype,
            values: concatValues(
              l.dtype,
              aligned.map((i) => i.levels[j].values),
            ),
          })),
        );
  const seen = new Set<string>();
  const rows: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const k = all.key(i);
    if (!seen.has(k)) {
      seen.add(k);
      rows.push(i);
    }
  }
  return rows.length === all.length ? all : all.take(rows);
}

/**
 * Intersection of indices (audformat's `utils.intersect`): entries of the
 * first index (in its order, without duplicates) that are in all others.
 */
export function intersectIndex(indices: Index[]): Index {
  if (indices.length === 0) return filewiseIndex();
  const aligned = alignIndices(indices);
  const [first, ...rest] = aligned;
  const sets = rest.map((i) => {
    const s = new Set<string>();
    for (let r = 0; r < i.length; r++) s.add(i.key(r));
    return s;
  });
  const seen = new Set<string>();
  const rows: number[] = [];
  for (let i = 0; i < first.length; i++) {
    const k = first.key(i);
    if (seen.has(k)) continue;
    seen.add(k);
    if (sets.every((s) => s.has(k))) rows.push(i);
  }
  return first.take(rows);
}

/** Empty index with the same levels. */
export function emptyLike(index: Index): Index {
  return new Index(index.levels.map((l) => ({ name: l.name, dtype: l.dtype, values: emptyValues(l.dtype, 0) })));
}

/** Sorted unique strings (Python code point order). */
export function sortedUnique(values: Iterable<string | null>): string[] {
  const set = new Set<string>();
  for (const v of values) if (v !== null) set.add(v);
  return [...set].sort(compareCodePoints);
}
