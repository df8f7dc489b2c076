// Our audformat model in the JSON shape `_common.df_to_json` gives pandas frames, so
// tables audb-ts loads compare value for value with the ones audb-python loads.
import type { Database, MiscTable, Scheme, Table } from "../../src/format/index.js";
import type { PyFrame } from "./batch.js";

/** pandas dtype audformat gives a column of this scheme (none: `object`). */
function pandasDtype(scheme: Scheme | undefined): string {
  if (!scheme) return "object";
  if (scheme.labels !== undefined) return "category";
  return { bool: "boolean", date: "datetime64[ns]", float: "float64", int: "Int64", object: "object", str: "string", time: "timedelta64[ns]" }[scheme.dtype];
}

/** A value as `df_to_json` writes it: NA null, durations in seconds, timestamps as pandas prints them. */
function pyValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString().replace("T", " ").replace(/\.000Z$/, "").replace(/Z$/, "");
  return v;
}

/** `df_to_json(db[id].df)` for our table or misc table `id`. */
export function frameToPy(db: Database, id: string): PyFrame {
  const table: Table | MiscTable = db.table(id);
  const frame = table.get();
  const records = frame.toRecords();
  const index: Record<string, unknown[]> = {};
  for (const level of frame.index.levels) index[level.name] = records.map((r) => pyValue(r[level.name]));
  const columns: Record<string, unknown[]> = {};
  const dtypes: Record<string, string> = {};
  for (const [cid, column] of table.columns) {
    columns[cid] = frame.column(cid).toArray().map(pyValue);
    dtypes[cid] = pandasDtype(column.schemeId !== undefined ? db.schemes.get(column.schemeId) : undefined);
  }
  return { index, columns, dtypes };
}

/** Schemes as `load_db.py` reports them: dtype and labels (list, object or misc table id). */
export function schemesToPy(db: Database): Record<string, { dtype: string; labels: unknown }> {
  const out: Record<string, { dtype: string; labels: unknown }> = {};
  for (const [id, s] of db.schemes) {
    const labels = s.labels instanceof Map ? Object.fromEntries(s.labels) : (s.labels ?? null);
    out[id] = { dtype: s.dtype, labels };
  }
  return out;
}
