/**
 * Checking values against their scheme (labels, minimum, maximum) and
 * resolving scheme labels (list, dict, misc table) to a mapping.
 */

import type { Database } from "./database.js";
import { LabelError, OutOfRangeError, UnknownTableError } from "./errors.js";
import type { MiscTable } from "./table.js";
import type { Scheme } from "./scheme.js";
import { isNA, setNA, valueAt, type Dtype, type Values } from "./values.js";

/** Key of a plain label value for set membership. */
export function labelKey(v: unknown): string {
  if (typeof v === "string") return "s" + v;
  if (typeof v === "number") return "n" + v;
  if (typeof v === "boolean") return "b" + v;
  if (v instanceof Date) return "d" + v.getTime();
  return "o" + String(v);
}

/** The misc table a scheme takes its labels from (loaded or not). */
export function labelTable(scheme: Scheme, db: Database | undefined, schemeId?: string): MiscTable | undefined {
  if (typeof scheme.labels !== "string") return undefined;
  const table = db?.miscTables.get(scheme.labels);
  if (!table) {
    throw new UnknownTableError(
      `Scheme${schemeId ? ` '${schemeId}'` : ""} takes its labels from misc table '${scheme.labels}', which does not exist`,
      { table: scheme.labels, field: schemeId ? `schemes.${schemeId}.labels` : undefined },
    );
  }
  return table;
}

/**
 * The scheme's labels as plain values, or `undefined` if it has none (or its
 * misc table is not loaded).
 */
export function labelList(scheme: Scheme, db: Database | undefined, schemeId?: string): unknown[] | undefined {
  const labels = scheme.labels;
  if (labels === undefined) return undefined;
  if (Array.isArray(labels)) return labels;
  if (labels instanceof Map) return [...labels.keys()];
  const table = labelTable(scheme, db, schemeId)!;
  if (!table.isLoaded) return undefined;
  const level = table.index.levels[0];
  const out: unknown[] = [];
  for (let i = 0; i < level.values.length; i++) out.push(valueAt(level.dtype, level.values, i));
  return out;
}

/**
 * The scheme's labels as a mapping label → description, as audformat's
 * `_labels_to_dict` builds it: list labels map to `{}`, a misc table maps
 * each index value to its row (`{ column: value, ... }`).
 */
export function labelDict(scheme: Scheme, db: Database | undefined, schemeId?: string): Map<unknown, unknown> | undefined {
  const labels = scheme.labels;
  if (labels === undefined) return undefined;
  if (Array.isArray(labels)) return new Map(labels.map((l) => [l, {}]));
  if (labels instanceof Map) return labels;
  const table = labelTable(scheme, db, schemeId)!;
  const index = table.index;
  const level = index.levels[0];
  const out = new Map<unknown, unknown>();
  const columns = [...table.columns.entries()];
  for (let i = 0; i < index.length; i++) {
    const row: Record<string, unknown> = {};
    for (const [id, column] of columns) row[id] = valueAt(column.dtype, column.values, i);
    out.set(valueAt(level.dtype, level.values, i), row);
  }
  return out;
}

function show(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** How stored values meet their scheme: `strict` refuses the first misfit, `lenient` reads as audformat does. */
export type ValueCheck = "strict" | "lenient";

export interface ValueCheckContext {
  table?: string;
  column?: string;
  schemeId?: string;
  /** 1-based file line of each row, for messages. */
  lines?: ArrayLike<number>;
  file?: string;
  /**
   * `lenient`, when reading a stored table, as audformat reads it: values not
   * among the labels become NA, and minimum / maximum are not checked.
   */
  mode?: ValueCheck;
}

/**
 * Throw {@link LabelError} for the first value not among the scheme's labels
 * and {@link OutOfRangeError} for the first value outside minimum / maximum
 * (`ctx.mode` lenient: set values not among the labels to NA instead, and
 * leave the range). NA values always pass.
 */
export function checkValues(scheme: Scheme, db: Database | undefined, dtype: Dtype, values: Values, ctx: ValueCheckContext): void {
  const where = () =>
    [ctx.column !== undefined ? `column '${ctx.column}'` : "", ctx.table !== undefined ? `table '${ctx.table}'` : ""]
      .filter(Boolean)
      .join(" of ");
  const lineOf = (i: number) => (ctx.lines ? ctx.lines[i] : undefined);
  const lineText = (i: number) => (ctx.lines ? ` (line ${ctx.lines[i]})` : ` (row ${i})`);
  const labels = labelList(scheme, db, ctx.schemeId);
  if (labels !== undefined) {
    const set = new Set(labels.map(labelKey));
    const raw = new Set<unknown>(labels.filter((l) => typeof l === "string" || typeof l === "number"));
    const direct = dtype === "str" || dtype === "int" || dtype === "float";
    for (let i = 0; i < values.length; i++) {
      if (direct) {
        const r = (values as ArrayLike<unknown>)[i];
        if (r === null || raw.has(r) || (typeof r === "number" && Number.isNaN(r))) continue;
      }
      if (isNA(dtype, values, i)) continue;
      const v = valueAt(dtype, values, i);
      if (!set.has(labelKey(v))) {
        if (ctx.mode === "lenient") {
          setNA(dtype, values, i);
          continue;
        }
        const shown = labels.slice(0, 10).map(show).join(", ") + (labels.length > 10 ? ", ..." : "");
        throw new LabelError(
          `Value ${show(v)} in ${where()}${lineText(i)} is not a label of scheme '${ctx.schemeId ?? "?"}' (labels: ${shown})`,
          { table: ctx.table, column: ctx.column, line: lineOf(i), file: ctx.file, field: ctx.schemeId ? `schemes.${ctx.schemeId}` : undefined },
        );
      }
    }
  }
  if (ctx.mode === "lenient") return;
  if ((scheme.minimum !== undefined || scheme.maximum !== undefined) && (dtype === "int" || dtype === "float")) {
    const arr = values as Float64Array;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (Number.isNaN(v)) continue;
      if (scheme.minimum !== undefined && v < scheme.minimum) {
        throw new OutOfRangeError(
          `Value ${v} in ${where()}${lineText(i)} is smaller than the minimum ${scheme.minimum} of scheme '${ctx.schemeId ?? "?"}'`,
          { table: ctx.table, column: ctx.column, line: lineOf(i), file: ctx.file },
        );
      }
      if (scheme.maximum !== undefined && v > scheme.maximum) {
        throw new OutOfRangeError(
          `Value ${v} in ${where()}${lineText(i)} is larger than the maximum ${scheme.maximum} of scheme '${ctx.schemeId ?? "?"}'`,
          { table: ctx.table, column: ctx.column, line: lineOf(i), file: ctx.file },
        );
      }
    }
  }
}
