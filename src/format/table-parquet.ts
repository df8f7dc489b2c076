/**
 * Reading table parquet files (`db.<id>.parquet`, written by audformat >= 1.3
 * with pyarrow) with hyparquet. Durations arrive as BigInt counts of the unit
 * pandas' metadata names (nanoseconds unless it says otherwise), timestamps as
 * Dates, dictionary (categorical) columns as their values, int64 as BigInt.
 */

import { FormatError, ParquetError } from "./errors.js";
import type { CsvColumnSpec } from "./table-csv.js";
import { Index } from "./table-index.js";
import { nsToSeconds } from "./time.js";
import { BOOL_NA, emptyValues, type Dtype, type Values } from "./values.js";

/** A timestamp as read: milliseconds since the epoch, fraction kept (a Date would drop it). */
class Timestamp {
  constructor(readonly ms: number) {}
}

function toNumber(v: unknown): number {
  if (v === null || v === undefined) return NaN;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return v;
  if (v instanceof Timestamp) return v.ms;
  if (v instanceof Date) return v.getTime();
  return NaN;
}

/** Counts of a duration unit per second, by numpy's unit name. */
const PER_SECOND: Record<string, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

/** How a column is stored: the unit of its durations (per second) and whether it holds floating-point numbers. */
interface Stored {
  perSecond: number;
  floating: boolean;
}

function durationSeconds(v: number | bigint, perSecond: number): number {
  if (perSecond === 1e9) return nsToSeconds(v);
  return typeof v === "bigint" ? Number(v) / perSecond : v / perSecond;
}

function convert(raw: unknown[], dtype: Dtype | undefined, name: string, path: string, stored: Stored, table?: string): { dtype: Dtype; values: Values } {
  const n = raw.length;
  const fail = (v: unknown): never => {
    throw new ParquetError(`Value ${String(v)} in column '${name}' of '${path}' does not fit dtype '${dtype}'`, { file: path, table, column: name });
  };
  switch (dtype) {
    case "int":
    case "float": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        if (v !== null && v !== undefined && typeof v !== "number" && typeof v !== "bigint") fail(v);
        out[i] = toNumber(v);
      }
      return { dtype, values: out };
    }
    case "time": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        if (v === null || v === undefined) out[i] = NaN;
        else if (typeof v === "bigint" || typeof v === "number") out[i] = durationSeconds(v, stored.perSecond);
        else fail(v);
      }
      return { dtype, values: out };
    }
    case "date": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = toNumber(raw[i]);
      return { dtype, values: out };
    }
    case "bool": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        if (v === null || v === undefined) out[i] = BOOL_NA;
        else if (typeof v === "boolean") out[i] = v ? 1 : 0;
        else fail(v);
      }
      return { dtype, values: out };
    }
    case "str": {
      const out: Array<string | null> = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        if (v === null || v === undefined) out[i] = null;
        else if (typeof v === "string") out[i] = v;
        else fail(v);
      }
      return { dtype, values: out };
    }
    default: {
      // Without a scheme, a column of doubles stays one (written back as 1.0, not 1).
      if (stored.floating && raw.every((v) => v === null || v === undefined || typeof v === "number")) return convert(raw, "float", name, path, stored, table);
      const out: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        out[i] = v === undefined ? null : typeof v === "bigint" ? Number(v) : v instanceof Timestamp ? new Date(v.ms) : v;
      }
      return { dtype: "object", values: out };
    }
  }
}

/** Read a table parquet file; columns are matched by name. */
export async function readTableParquet(
  path: string,
  levels: CsvColumnSpec[],
  columns: CsvColumnSpec[],
  table?: string,
): Promise<{ index: Index; columns: Map<string, { dtype: Dtype; values: Values }> }> {
  const where = table ? ` of table '${table}'` : "";
  const { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } = await import("hyparquet"); // large: only for parquet tables
  let file;
  let metadata;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw err;
    throw new ParquetError(`Cannot read parquet file '${path}'${where}: ${(err as Error).message}`, { file: path, table, cause: err });
  }
  const schema = parquetSchema(metadata).children;
  const available = schema.map((c) => c.element.name);
  const units = durationUnits(metadata.key_value_metadata);
  const storedAs = (column: string): Stored => ({
    perSecond: PER_SECOND[units.get(column) ?? "ns"]!,
    floating: ["DOUBLE", "FLOAT"].includes(schema.find((c) => c.element.name === column)?.element.type ?? ""),
  });
  const specs = [...levels, ...columns];
  for (const s of specs) {
    if (!available.includes(s.name)) {
      throw new ParquetError(`Parquet file '${path}'${where} has no column '${s.name}' (columns: ${available.join(", ")})`, {
        file: path,
        table,
        column: s.name,
      });
    }
  }
  const rowCount = Number(metadata.num_rows);
  const chunks = new Map<string, Array<{ start: number; data: ArrayLike<unknown> }>>();
  try {
    await parquetRead({
      file,
      metadata,
      columns: specs.map((s) => s.name),
      parsers: {
        timestampFromMilliseconds: (v: bigint) => new Timestamp(Number(v)),
        timestampFromMicroseconds: (v: bigint) => new Timestamp(Number(v) / 1000),
        timestampFromNanoseconds: (v: bigint) => new Timestamp(Number(v / 1_000_000n)),
      },
      onChunk: (chunk) => {
        let list = chunks.get(chunk.columnName);
        if (!list) chunks.set(chunk.columnName, (list = []));
        list.push({ start: chunk.rowStart, data: chunk.columnData as ArrayLike<unknown> });
      },
    });
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new ParquetError(`Cannot read parquet file '${path}'${where}: ${(err as Error).message}`, { file: path, table, cause: err });
  }
  const result = specs.map((s) => {
    const raw: unknown[] = new Array(rowCount).fill(null);
    for (const { start, data } of chunks.get(s.name) ?? []) {
      for (let i = 0; i < data.length && start + i < rowCount; i++) raw[start + i] = data[i];
    }
    return rowCount === 0 ? { dtype: s.dtype ?? "object", values: emptyValues(s.dtype ?? "object", 0) } : convert(raw, s.dtype, s.name, path, storedAs(s.name), table);
  });
  const index = new Index(levels.map((l, j) => ({ name: l.name, dtype: result[j].dtype, values: result[j].values })));
  const out = new Map<string, { dtype: Dtype; values: Values }>();
  columns.forEach((c, j) => out.set(c.name, result[levels.length + j]));
  return { index, columns: out };
}

/**
 * The unit of each duration column, from the `pandas` metadata pyarrow writes
 * (`numpy_type: timedelta64[us]`): parquet itself has no duration type, and
 * pandas 3 keeps microseconds where audformat does not convert to nanoseconds.
 */
function durationUnits(keyValues: Array<{ key: string; value?: string }> | undefined): Map<string, string> {
  const units = new Map<string, string>();
  const pandas = keyValues?.find((kv) => kv.key === "pandas")?.value;
  if (!pandas) return units;
  let columns: unknown;
  try {
    columns = (JSON.parse(pandas) as { columns?: unknown }).columns;
  } catch {
    return units;
  }
  if (!Array.isArray(columns)) return units;
  for (const c of columns as Array<{ field_name?: unknown; numpy_type?: unknown }>) {
    const unit = typeof c.numpy_type === "string" ? /^timedelta64\[(s|ms|us|ns)\]$/.exec(c.numpy_type)?.[1] : undefined;
    if (unit && typeof c.field_name === "string") units.set(c.field_name, unit);
  }
  return units;
}
