/**
 * Table CSV files (`db.<id>.csv`) exactly as audformat writes and reads them.
 *
 * Writing follows pandas' `DataFrame.to_csv` (pandas 2): index columns first,
 * NA as an empty field, floats as Python `repr`, booleans `True`/`False`,
 * durations per value as `0 days 00:00:01.500000` (9 fraction digits when
 * there are nanoseconds, none for whole seconds), dates per column, minimal
 * quoting (`,` `"` CR LF). Reading follows audformat's pyarrow reader: the
 * columns are taken by position, pyarrow's null tokens (`NA`, `null`, `nan`,
 * ...) are NA in every column, columns without a scheme get their type
 * inferred, durations also accept units (`1.5s`) and, as pandas, whole nanoseconds without one.
 */

import { createWriteStream } from "node:fs";
import { CsvError, FormatError } from "./errors.js";
import { CsvSyntaxError, quoteCsvField, readCsvFile } from "./csv-reader.js";
import { pyFloatRepr } from "./py.js";
import type { BaseTable } from "./table.js";
import { Index } from "./table-index.js";
import {
  dateColumnFormatter, formatTimestamp, isNaTString, parseDate, parseTimedelta, TimedeltaSpelling, timedeltaColumnFormatter,
} from "./time.js";
import { BOOL_NA, type Dtype, type Values } from "./values.js";

/** pyarrow's default `null_values`: read as NA in every column (audformat reads with `strings_can_be_null`). */
export const CSV_NULL_TOKENS: ReadonlySet<string> = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "n/a",
  "nan",
  "null",
]);

const TRUE_TOKENS = new Set(["1", "True", "TRUE", "true"]);
const FALSE_TOKENS = new Set(["0", "False", "FALSE", "false"]);
const RE_INT = /^[+-]?\d+$/;
const RE_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RE_INF = /^[+-]?(?:inf|Inf|INF|infinity|Infinity|INFINITY)$/;

export interface CsvColumnSpec {
  name: string;
  /** Target dtype; `undefined` = infer (columns without a scheme). */
  dtype: Dtype | undefined;
}

/** Growable column storage used while reading. */
class Builder {
  private f64?: Float64Array;
  private u8?: Uint8Array;
  private arr?: unknown[];
  private n = 0;
  private readonly spelling = new TimedeltaSpelling();

  constructor(
    readonly spec: CsvColumnSpec,
    private readonly file: string,
    private readonly table: string | undefined,
  ) {
    const d = spec.dtype;
    if (d === "int" || d === "float" || d === "time" || d === "date") this.f64 = new Float64Array(1024);
    else if (d === "bool") this.u8 = new Uint8Array(1024);
    else this.arr = [];
  }

  private fail(text: string, line: number, what: string): never {
    throw new CsvError(
      `Invalid ${what} '${text}' in column '${this.spec.name}'${this.table ? ` of table '${this.table}'` : ""} at line ${line} of '${this.file}'`,
      { file: this.file, line, table: this.table, column: this.spec.name },
    );
  }

  push(text: string, line: number): void {
    const d = this.spec.dtype;
    if (this.f64) {
      if (this.n === this.f64.length) {
        const next = new Float64Array(this.n * 2);
        next.set(this.f64);
        this.f64 = next;
      }
      let v: number;
      if (CSV_NULL_TOKENS.has(text)) v = NaN;
      else if (d === "float") {
        if (RE_FLOAT.test(text)) v = Number(text);
        else if (RE_INF.test(text)) v = text[0] === "-" ? -Infinity : Infinity;
        else this.fail(text, line, "float");
      } else if (d === "int") {
        if (RE_INT.test(text)) v = Number(text);
        else if (RE_FLOAT.test(text) && Number.isInteger(Number(text))) v = Number(text);
        else this.fail(text, line, "integer");
      } else if (d === "time") {
        const s = isNaTString(text) ? NaN : parseTimedelta(text);
        if (s === undefined) this.fail(text, line, RE_FLOAT.test(text) ? "duration (a number needs a unit, e.g. '1.5s': without one pandas reads whole nanoseconds)" : "duration");
        if (!Number.isNaN(s)) this.spelling.see(text);
        v = s;
      } else {
        const ms = parseDate(text);
        if (ms === undefined) this.fail(text, line, "date");
        v = ms;
      }
      this.f64[this.n++] = v;
      return;
    }
    if (this.u8) {
      if (this.n === this.u8.length) {
        const next = new Uint8Array(this.n * 2);
        next.set(this.u8);
        this.u8 = next;
      }
      let v: number;
      if (TRUE_TOKENS.has(text)) v = 1;
      else if (FALSE_TOKENS.has(text)) v = 0;
      else if (CSV_NULL_TOKENS.has(text)) v = BOOL_NA;
      else this.fail(text, line, "boolean");
      this.u8[this.n++] = v;
      return;
    }
    this.arr!.push(CSV_NULL_TOKENS.has(text) ? null : text);
    this.n++;
  }

  /** Final values and their dtype. */
  finish(): { dtype: Dtype; values: Values } {
    if (this.f64) {
      const values = this.f64.slice(0, this.n);
      if (this.spec.dtype === "time") this.spelling.apply(values);
      return { dtype: this.spec.dtype!, values };
    }
    if (this.u8) return { dtype: "bool", values: this.u8.slice(0, this.n) };
    const arr = this.arr!;
    if (this.spec.dtype !== undefined && this.spec.dtype !== "object") return { dtype: this.spec.dtype, values: arr };
    return inferColumn(arr as Array<string | null>);
  }
}

const RE_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{3}000)?$/;

/**
 * True for a timestamp spelled as pandas writes one in an object column (str(Timestamp))
 * that a `Date` holds exactly, so it is written back byte for byte.
 */
function isExactTimestamp(text: string): boolean {
  if (!RE_TIMESTAMP.test(text)) return false;
  const ms = parseDate(text);
  return ms !== undefined && formatTimestamp(ms) === text;
}

/**
 * Type inference for columns without a scheme, like pyarrow: int, then bool, then float,
 * then timestamps (those a `Date` holds exactly), else string.
 */
export function inferColumn(texts: Array<string | null>): { dtype: Dtype; values: Values } {
  let allInt = true;
  let allBool = true;
  let allFloat = true;
  for (const t of texts) {
    if (t === null) continue;
    if (allInt && !RE_INT.test(t)) allInt = false;
    if (allBool && !(t === "True" || t === "False" || t === "true" || t === "false" || t === "TRUE" || t === "FALSE")) allBool = false;
    if (allFloat && !RE_FLOAT.test(t) && !RE_INF.test(t)) allFloat = false;
    if (!allInt && !allBool && !allFloat) break;
  }
  const nonNull = texts.some((t) => t !== null);
  if (!nonNull) return { dtype: "object", values: texts };
  if (!allInt && !allBool && !allFloat && texts.every((t) => t === null || isExactTimestamp(t))) {
    // Timestamps, as pyarrow guesses them and audformat holds them (in an object column).
    return { dtype: "object", values: texts.map((t) => (t === null ? null : new Date(parseDate(t)!))) };
  }
  if (allInt) return { dtype: "object", values: texts.map((t) => (t === null ? null : Number(t))) };
  if (allBool) return { dtype: "object", values: texts.map((t) => (t === null ? null : t[0] === "T" || t[0] === "t")) };
  if (allFloat) {
    // A float column (as pyarrow reads it), so that 1.0 is written back as 1.0, not 1.
    return {
      dtype: "float",
      values: Float64Array.from(texts, (t) => (t === null ? NaN : RE_INF.test(t) ? (t[0] === "-" ? -Infinity : Infinity) : Number(t))),
    };
  }
  return { dtype: "object", values: texts };
}

export interface CsvReadResult {
  index: Index;
  columns: Map<string, { dtype: Dtype; values: Values }>;
  /** 1-based line of each row. */
  lines: Int32Array;
}

/**
 * Read a table CSV. `levels` are the index columns (name, dtype), `columns`
 * the value columns in header order. The header row must name exactly these
 * columns in this order, unless `byPosition`: then, as audformat reads tables
 * (pyarrow with its own column names, pandas `usecols`), the header row is
 * skipped and fields past the last column are dropped.
 */
export async function readTableCsv(
  path: string,
  levels: CsvColumnSpec[],
  columns: CsvColumnSpec[],
  table?: string,
  byPosition = false,
): Promise<CsvReadResult> {
  const specs = [...levels, ...columns];
  const builders = specs.map((s) => new Builder(s, path, table));
  const expected = specs.map((s) => s.name);
  const header: string[] = [];
  let lines = new Int32Array(1024);
  let rows = 0;
  const where = table ? ` of table '${table}'` : "";
  // By position, as pyarrow's skip_rows=1, the header is the first line even when it is empty
  // (then the first record is data); blank lines are skipped before records are counted.
  const isHeader = (row: number, line: number) => row === 0 && (!byPosition || line === 1);
  try {
    await readCsvFile(path, {
      field(text, col, row, _quoted, line) {
        if (isHeader(row, line)) {
          header.push(text);
          return;
        }
        if (col >= builders.length) {
          if (byPosition) return;
          throw new CsvError(`Line ${line} of '${path}'${where} has more than ${builders.length} fields`, { file: path, line, table });
        }
        builders[col].push(text, line);
      },
      endRecord(count, row, line) {
        if (isHeader(row, line)) {
          if (!byPosition && (header.length !== expected.length || header.some((h, i) => h !== expected[i]))) {
            throw new CsvError(
              `CSV header of '${path}'${where} is [${header.join(", ")}], expected [${expected.join(", ")}] (index columns, then the columns in db.yaml)`,
              { file: path, line: 1, table },
            );
          }
          return;
        }
        if (count !== builders.length && !(byPosition && count > builders.length)) {
          throw new CsvError(`Line ${line} of '${path}'${where} has ${count} fields, expected ${builders.length}`, { file: path, line, table });
        }
        if (rows === lines.length) {
          const next = new Int32Array(rows * 2);
          next.set(lines);
          lines = next;
        }
        lines[rows++] = line;
      },
    });
  } catch (err) {
    if (err instanceof FormatError) throw err;
    if (err instanceof CsvSyntaxError) {
      throw new CsvError(`Malformed CSV '${path}'${where} at line ${err.line}: ${err.message}`, { file: path, line: err.line, table, cause: err });
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw err;
    throw new CsvError(`Cannot read CSV '${path}'${where}: ${(err as Error).message}`, { file: path, table, cause: err });
  }
  if (header.length === 0 && rows === 0) {
    throw new CsvError(`CSV '${path}'${where} is empty (no header row)`, { file: path, line: 1, table });
  }
  const results = builders.map((b) => b.finish());
  const index = new Index(levels.map((l, j) => ({ name: l.name, dtype: results[j].dtype, values: results[j].values })));
  const out = new Map<string, { dtype: Dtype; values: Values }>();
  columns.forEach((c, j) => out.set(c.name, results[levels.length + j]));
  return { index, columns: out, lines: lines.slice(0, rows) };
}

function formatObject(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return quoteCsvField(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "";
    return Number.isInteger(v) && Math.abs(v) < 1e16 ? String(v) : pyFloatRepr(v);
  }
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  try {
    return quoteCsvField(JSON.stringify(v) ?? String(v));
  } catch {
    return quoteCsvField(String(v));
  }
}

/** A function formatting element `i` of a column for CSV. */
function formatter(dtype: Dtype, values: Values): (i: number) => string {
  switch (dtype) {
    case "int": {
      const a = values as Float64Array;
      return (i) => (Number.isNaN(a[i]) ? "" : Math.abs(a[i]) < 1e21 ? String(a[i]) : BigInt(a[i]).toString());
    }
    case "float": {
      const a = values as Float64Array;
      return (i) => (Number.isNaN(a[i]) ? "" : pyFloatRepr(a[i]));
    }
    case "time": {
      const a = values as Float64Array;
      const f = timedeltaColumnFormatter(a);
      return (i) => f(a[i]);
    }
    case "date": {
      const a = values as Float64Array;
      const f = dateColumnFormatter(a);
      return (i) => f(a[i]);
    }
    case "bool": {
      const a = values as Uint8Array;
      return (i) => (a[i] === BOOL_NA ? "" : a[i] === 1 ? "True" : "False");
    }
    case "str": {
      const a = values as Array<string | null>;
      return (i) => (a[i] === null || a[i] === undefined ? "" : quoteCsvField(a[i] as string));
    }
    default: {
      const a = values as unknown[];
      // Dates as pandas writes timestamps in an object column: each as str(Timestamp).
      return (i) => (a[i] instanceof Date ? formatTimestamp((a[i] as Date).getTime()) : formatObject(a[i]));
    }
  }
}

const ROWS_PER_CHUNK = 4096;

/** Write a table as CSV to `path` (streamed in chunks). */
export async function writeTableCsv(path: string, table: BaseTable): Promise<void> {
  const index = table.index;
  const parts: Array<{ name: string; format: (i: number) => string }> = [];
  for (const l of index.levels) parts.push({ name: l.name, format: formatter(l.dtype, l.values) });
  for (const [id, column] of table.columns) {
    parts.push({ name: id, format: formatter(column.dtype, column.values) });
  }
  const stream = createWriteStream(path, { encoding: "utf8" });
  const done = new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
  });
  const write = (chunk: string) =>
    new Promise<void>((resolve, reject) => {
      if (stream.write(chunk)) resolve();
      else {
        const onDrain = () => {
          stream.off("error", reject);
          resolve();
        };
        stream.once("drain", onDrain);
        stream.once("error", reject);
      }
    });
  try {
    await write(parts.map((p) => quoteCsvField(p.name)).join(",") + "\n");
    const n = index.length;
    const k = parts.length;
    for (let start = 0; start < n; start += ROWS_PER_CHUNK) {
      const end = Math.min(n, start + ROWS_PER_CHUNK);
      let chunk = "";
      for (let i = start; i < end; i++) {
        let line = parts[0].format(i);
        for (let j = 1; j < k; j++) line += "," + parts[j].format(i);
        if (k === 1 && line === "") line = '""'; // Python's csv module quotes a lone empty field
        chunk += line + "\n";
      }
      await write(chunk);
    }
    stream.end();
    await done;
  } catch (err) {
    stream.destroy();
    throw err;
  }
}
