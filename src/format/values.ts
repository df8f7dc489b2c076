/**
 * Column-wise value storage by audformat dtype.
 *
 * | dtype          | storage                       | NA         | element            |
 * |----------------|-------------------------------|------------|--------------------|
 * | `float`, `int` | `Float64Array`                | `NaN`      | number             |
 * | `time`         | `Float64Array` (seconds)      | `NaN`      | number (seconds)   |
 * | `date`         | `Float64Array` (ms, UTC)      | `NaN`      | `Date` from `at()` |
 * | `bool`         | `Uint8Array` (0 / 1)          | `BOOL_NA`  | boolean            |
 * | `str`          | `Array<string \| null>`       | `null`     | string             |
 * | `object`       | `unknown[]`                   | `null`     | anything           |
 *
 * `int` values are exact up to 2^53.
 */

import { DtypeError, type FormatErrorContext } from "./errors.js";
import { onNanosecondGrid, parseDate, parseTimedelta } from "./time.js";

/** audformat's data types of scheme values (`time`: seconds, `date`: ms since the epoch). */
export type Dtype = "bool" | "int" | "float" | "str" | "object" | "time" | "date";

export const DTYPES: readonly Dtype[] = ["bool", "date", "float", "int", "object", "str", "time"];

/** Bool NA marker in a `Uint8Array`. */
export const BOOL_NA = 255;

export type StringValues = Array<string | null>;
export type Values = Float64Array | Uint8Array | StringValues | unknown[];

export function isDtype(value: unknown): value is Dtype {
  return typeof value === "string" && (DTYPES as readonly string[]).includes(value);
}

export function isNumericDtype(dtype: Dtype): boolean {
  return dtype === "int" || dtype === "float";
}

function usesFloat64(dtype: Dtype): boolean {
  return dtype === "int" || dtype === "float" || dtype === "time" || dtype === "date";
}

/** `n` NA values of `dtype`. */
export function emptyValues(dtype: Dtype, n: number): Values {
  if (usesFloat64(dtype)) return new Float64Array(n).fill(NaN);
  if (dtype === "bool") return new Uint8Array(n).fill(BOOL_NA);
  return new Array(n).fill(null);
}

/** Is element `i` NA? */
export function isNA(dtype: Dtype, values: Values, i: number): boolean {
  if (usesFloat64(dtype)) return Number.isNaN((values as Float64Array)[i]);
  if (dtype === "bool") return (values as Uint8Array)[i] === BOOL_NA;
  const v = (values as unknown[])[i];
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

/** Makes element `i` NA. */
export function setNA(dtype: Dtype, values: Values, i: number): void {
  if (usesFloat64(dtype)) (values as Float64Array)[i] = NaN;
  else if (dtype === "bool") (values as Uint8Array)[i] = BOOL_NA;
  else (values as unknown[])[i] = null;
}

/** Element `i` as a plain JS value (`null` for NA; `Date` for dates; seconds for times). */
export function valueAt(dtype: Dtype, values: Values, i: number): unknown {
  switch (dtype) {
    case "int":
    case "float":
    case "time": {
      const v = (values as Float64Array)[i];
      return Number.isNaN(v) ? null : v;
    }
    case "date": {
      const v = (values as Float64Array)[i];
      return Number.isNaN(v) ? null : new Date(v);
    }
    case "bool": {
      const v = (values as Uint8Array)[i];
      return v === BOOL_NA ? null : v === 1;
    }
    default: {
      const v = (values as unknown[])[i];
      return v === undefined ? null : v;
    }
  }
}

/** All elements as plain JS values. */
export function valuesToArray(dtype: Dtype, values: Values): unknown[] {
  const out = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = valueAt(dtype, values, i);
  return out;
}

/** A string key for element `i` (hashing index entries). NA values share one key. */
export function valueKey(dtype: Dtype, values: Values, i: number): string {
  if (dtype === "time") {
    // durations are equal at nanosecond resolution (what pandas stores)
    const v = (values as Float64Array)[i];
    return Number.isNaN(v) ? "\u0001NA" : String(Math.round(v * 1e9));
  }
  if (usesFloat64(dtype)) {
    const v = (values as Float64Array)[i];
    return Number.isNaN(v) ? "\u0001NA" : String(v);
  }
  if (dtype === "bool") {
    const v = (values as Uint8Array)[i];
    return v === BOOL_NA ? "\u0001NA" : String(v);
  }
  const v = (values as unknown[])[i];
  if (v === null || v === undefined) return "\u0001NA";
  if (typeof v === "string") return v;
  if (v instanceof Date) return "\u0001D" + v.getTime();
  return "\u0001" + typeof v + ":" + String(v);
}

/** Copy of the elements at `rows` (a row of -1 gives NA). */
export function takeValues(dtype: Dtype, values: Values, rows: ArrayLike<number>): Values {
  const n = rows.length;
  if (usesFloat64(dtype)) {
    const src = values as Float64Array;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = rows[i] < 0 ? NaN : src[rows[i]];
    return out;
  }
  if (dtype === "bool") {
    const src = values as Uint8Array;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rows[i] < 0 ? BOOL_NA : src[rows[i]];
    return out;
  }
  const src = values as unknown[];
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = rows[i] < 0 ? null : src[rows[i]] ?? null;
  return out;
}

/** Concatenate value arrays of one dtype. */
export function concatValues(dtype: Dtype, parts: Values[]): Values {
  const n = parts.reduce((s, p) => s + p.length, 0);
  if (usesFloat64(dtype) || dtype === "bool") {
    const out = usesFloat64(dtype) ? new Float64Array(n) : new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p as Float64Array & Uint8Array, o);
      o += p.length;
    }
    return out;
  }
  const out: unknown[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push((p as unknown[])[i] ?? null);
  return out;
}

/** Element-wise equality (NA equals NA). */
export function valuesEqual(dtype: Dtype, a: Values, b: Values): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (valueKey(dtype, a, i) !== valueKey(dtype, b, i)) return false;
  }
  return true;
}

function describe(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (v instanceof Date) return v.toISOString();
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function isNullish(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

/**
 * Convert plain JS values (or typed values of another dtype) to the storage
 * of `dtype`. `null`, `undefined` and `NaN` are NA. Throws {@link DtypeError}
 * naming the first value that does not fit.
 */
export function toValues(dtype: Dtype, input: ArrayLike<unknown>, context: FormatErrorContext = {}): Values {
  const n = input.length;
  const fail = (i: number, v: unknown): never => {
    const where = [
      context.table !== undefined ? `table '${context.table}'` : "",
      context.column !== undefined ? `column '${context.column}'` : "",
    ]
      .filter(Boolean)
      .join(", ");
    throw new DtypeError(
      `Value ${describe(v)} at position ${i}${where ? ` of ${where}` : ""} does not fit dtype '${dtype}'`,
      context,
    );
  };
  switch (dtype) {
    case "int":
    case "float": {
      if (input instanceof Float64Array && dtype === "float") return Float64Array.from(input);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = input[i];
        if (isNullish(v)) out[i] = NaN;
        else if (typeof v === "number") {
          if (dtype === "int" && !Number.isInteger(v)) fail(i, v);
          out[i] = v;
        } else if (typeof v === "bigint") out[i] = Number(v);
        else fail(i, v);
      }
      return out;
    }
    case "time": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = input[i];
        if (isNullish(v)) out[i] = NaN;
        else if (typeof v === "number") out[i] = Number.isFinite(v) ? onNanosecondGrid(v) : v;
        else if (typeof v === "bigint") out[i] = Number(v) / 1e9; // nanoseconds
        else if (typeof v === "string") {
          const s = parseTimedelta(v);
          if (s === undefined) fail(i, v);
          out[i] = s as number;
        } else fail(i, v);
      }
      return out;
    }
    case "date": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = input[i];
        if (isNullish(v)) out[i] = NaN;
        else if (v instanceof Date) out[i] = v.getTime();
        else if (typeof v === "number") out[i] = v;
        else if (typeof v === "string") {
          const ms = parseDate(v);
          if (ms === undefined) fail(i, v);
          out[i] = ms as number;
        } else fail(i, v);
      }
      return out;
    }
    case "bool": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = input[i];
        if (isNullish(v)) out[i] = BOOL_NA;
        else if (typeof v === "boolean") out[i] = v ? 1 : 0;
        else fail(i, v);
      }
      return out;
    }
    case "str": {
      const out: StringValues = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = input[i];
        if (isNullish(v)) out[i] = null;
        else if (typeof v === "string") out[i] = v;
        else fail(i, v);
      }
      return out;
    }
    default: {
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = input[i];
        out[i] = isNullish(v) ? null : v;
      }
      return out;
    }
  }
}

/** Convert stored values of one dtype to another (e.g. an `object` column to its scheme's dtype). */
export function convertValues(from: Dtype, to: Dtype, values: Values, context: FormatErrorContext = {}): Values {
  if (from === to) return values;
  return toValues(to, valuesToArray(from, values), context);
}

/**
 * The audformat dtype of plain values, as pandas' `infer_dtype` (skipping NA)
 * and audformat's `to_audformat_dtype` decide it: all strings → `str`, all
 * booleans → `bool`, all integral numbers → `int`, numbers → `float`, all
 * dates → `date`; anything else (or nothing) → `object`.
 */
export function inferDtype(values: ArrayLike<unknown>): Dtype {
  let kind: string | undefined;
  let integral = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isNullish(v)) continue;
    const k = v instanceof Date ? "date" : typeof v;
    if (kind === undefined) kind = k;
    else if (kind !== k) return "object";
    if (k === "number" && !Number.isInteger(v)) integral = false;
  }
  switch (kind) {
    case "string":
      return "str";
    case "boolean":
      return "bool";
    case "number":
      return integral ? "int" : "float";
    case "bigint":
      return "int";
    case "date":
      return "date";
    default:
      return "object";
  }
}
