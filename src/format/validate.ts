/**
 * Consistency checks of a database: header references and table data.
 * Each failure is a typed {@link FormatError} naming what is at fault.
 */

import type { Database } from "./database.js";
import {
  AttachmentOverlapError,
  DtypeError,
  DuplicateIndexError,
  IndexMismatchError,
  InvalidIdError,
  LabelError,
  TableExistsError,
  UnknownMediaError,
  UnknownRaterError,
  UnknownSchemeError,
  UnknownSplitError,
  UnknownTableError,
} from "./errors.js";
import { checkOneOf, USAGES } from "./header-items.js";
import { checkValues, type ValueCheck } from "./labels.js";
import { checkId, checkPortablePath } from "./paths.js";
import { dtypeFromLabels } from "./scheme.js";
import { MiscTable, Table, type BaseTable } from "./table.js";
import { isDtype } from "./values.js";

/** Check the header: ids, references between header objects, labels, attachments. */
export function validateHeader(db: Database): void {
  checkOneOf(db.usage, USAGES, "usage");
  for (const id of db.tables.keys()) checkId(id, "table", { table: id, field: `tables.${id}` });
  for (const id of db.miscTables.keys()) {
    checkId(id, "misc table", { table: id, field: `misc_tables.${id}` });
    if (db.tables.has(id)) {
      throw new TableExistsError(`'${id}' is both a table and a misc table`, { table: id });
    }
  }
  for (const id of db.attachments.keys()) checkId(id, "attachment", { field: `attachments.${id}` });

  // attachments: portable, not nested
  const attachments = [...db.attachments.entries()];
  for (const [id, a] of attachments) checkPortablePath(a.path, `path of attachment '${id}'`, { field: `attachments.${id}.path` });
  for (let i = 0; i < attachments.length; i++) {
    for (let j = i + 1; j < attachments.length; j++) {
      const [ida, a] = attachments[i];
      const [idb, b] = attachments[j];
      const pa = a.path.replace(/\/$/, "");
      const pb = b.path.replace(/\/$/, "");
      if (pa === pb || pa.startsWith(pb + "/") || pb.startsWith(pa + "/")) {
        throw new AttachmentOverlapError(`Attachments '${ida}' ('${a.path}') and '${idb}' ('${b.path}') are nested`, {
          field: `attachments.${ida}`,
        });
      }
    }
  }

  // schemes
  for (const [id, scheme] of db.schemes) {
    const field = `schemes.${id}`;
    if (!isDtype(scheme.dtype)) throw new DtypeError(`Scheme '${id}' has invalid dtype '${String(scheme.dtype)}'`, { field: `${field}.dtype` });
    const labels = scheme.labels;
    if (labels === undefined) continue;
    if (typeof labels === "string") {
      const misc = db.miscTables.get(labels);
      if (!misc) {
        const what = db.tables.has(labels) ? "is not a misc table" : "does not exist";
        throw new UnknownTableError(`Scheme '${id}' takes its labels from misc table '${labels}', which ${what}`, {
          table: labels,
          field: `${field}.labels`,
        });
      }
      const levels = misc._levelList;
      if (levels.length !== 1) {
        throw new LabelError(`Misc table '${labels}' used as labels of scheme '${id}' must have a single index level`, {
          table: labels,
          field: `${field}.labels`,
        });
      }
      if (levels[0].dtype !== scheme.dtype) {
        throw new LabelError(
          `Scheme '${id}' has dtype '${scheme.dtype}', but the labels in misc table '${labels}' are '${levels[0].dtype}'`,
          { table: labels, field: `${field}.dtype` },
        );
      }
      if (scheme.dtype === "bool") {
        throw new LabelError(`Scheme '${id}' cannot have dtype 'bool' with labels from a misc table`, { field: `${field}.dtype` });
      }
      for (const [cid, column] of misc.columns) {
        const s = column.schemeId === undefined ? undefined : db.schemes.get(column.schemeId);
        if (s && typeof s.labels === "string") {
          throw new LabelError(
            `Misc table '${labels}' is used as labels of scheme '${id}', so its column '${cid}' cannot use scheme '${column.schemeId}' with labels from a misc table`,
            { table: labels, column: cid },
          );
        }
      }
    } else {
      const fromLabels = dtypeFromLabels(labels, `${field}.labels`);
      const ok = fromLabels === scheme.dtype || (scheme.dtype === "float" && fromLabels === "int") || (Array.isArray(labels) ? labels.length === 0 : labels.size === 0);
      if (!ok) {
        throw new LabelError(`Scheme '${id}' has dtype '${scheme.dtype}', but its labels are '${fromLabels}'`, { field: `${field}.labels` });
      }
    }
  }

  // tables and their columns
  const checkTable = (id: string, table: BaseTable, kind: string) => {
    if (table.splitId !== undefined && !db.splits.has(table.splitId)) {
      throw new UnknownSplitError(`${kind} '${id}' uses unknown split '${table.splitId}'${known(db.splits)}`, {
        table: id,
        field: `${kind === "Table" ? "tables" : "misc_tables"}.${id}.split_id`,
      });
    }
    if (table.mediaId !== undefined && !db.media.has(table.mediaId)) {
      throw new UnknownMediaError(`${kind} '${id}' uses unknown media '${table.mediaId}'${known(db.media)}`, {
        table: id,
        field: `${kind === "Table" ? "tables" : "misc_tables"}.${id}.media_id`,
      });
    }
    const levels = table._levelNames();
    for (const [cid, column] of table.columns) {
      if (levels.includes(cid)) {
        throw new InvalidIdError(`Column '${cid}' of ${kind.toLowerCase()} '${id}' has the name of an index level`, { table: id, column: cid });
      }
      if (column.schemeId !== undefined) {
        const scheme = db.schemes.get(column.schemeId);
        if (!scheme) {
          throw new UnknownSchemeError(
            `Column '${cid}' of ${kind.toLowerCase()} '${id}' uses unknown scheme '${column.schemeId}'${known(db.schemes)}`,
            { table: id, column: cid },
          );
        }
        if (typeof scheme.labels === "string" && scheme.labels === id) {
          throw new LabelError(`Column '${cid}' of misc table '${id}' cannot use scheme '${column.schemeId}', which takes its labels from the same table`, {
            table: id,
            column: cid,
          });
        }
      }
      if (column.raterId !== undefined && !db.raters.has(column.raterId)) {
        throw new UnknownRaterError(
          `Column '${cid}' of ${kind.toLowerCase()} '${id}' uses unknown rater '${column.raterId}'${known(db.raters)}`,
          { table: id, column: cid },
        );
      }
    }
  };
  for (const [id, table] of db.tables) checkTable(id, table, "Table");
  for (const [id, table] of db.miscTables) checkTable(id, table, "Misc table");
}

function known(map: Map<string, unknown>): string {
  return map.size === 0 ? " (none defined)" : ` (defined: ${[...map.keys()].join(", ")})`;
}

/**
 * Check a loaded table's data: index type, portable file paths, no duplicate
 * index entries, values within their scheme's labels and range. `lenient`
 * (reading a stored table): values not among the labels become NA and the
 * range is not checked, as audformat reads tables.
 */
export function validateTableData(db: Database, id: string, table: BaseTable, mode: ValueCheck = "strict"): void {
  if (!table.isLoaded) return;
  const index = table.index;
  const lines = table._lines;
  const file = table._source;
  const lineOf = (i: number) => (lines && i < lines.length ? lines[i] : undefined);
  const at = (i: number) => (lines && i < lines.length ? ` (line ${lines[i]})` : ` (row ${i})`);
  if (table instanceof Table) {
    if (index.type !== table.type) {
      throw new IndexMismatchError(`Table '${id}' is ${table.type}, but its index has levels [${index.names.join(", ")}]`, { table: id });
    }
    const files = index.files;
    let last: string | null | undefined;
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      if (f === last) continue; // segments of one file follow each other
      checkPortablePath(f as string, lineOf(i) === undefined ? `file${at(i)}` : "file", { table: id, line: lineOf(i), file: f ?? "" }, mode === "lenient");
      last = f;
    }
  } else if (table instanceof MiscTable) {
    const names = index.names;
    if (new Set(names).size !== names.length || names.some((n) => !n)) {
      throw new InvalidIdError(`Index level names of misc table '${id}' must be non-empty and unique`, { table: id });
    }
  }
  const dups = index.duplicates();
  if (dups.length > 0) {
    const i = dups[0];
    throw new DuplicateIndexError(
      `Index entry ${index.describe(i)} appears more than once in ${table instanceof MiscTable ? "misc table" : "table"} '${id}'${at(i)}` +
        (dups.length > 1 ? ` (${dups.length} duplicated rows)` : ""),
      { table: id, line: lineOf(i), file: index.type ? (index.files[i] ?? undefined) : undefined },
    );
  }
  for (const [cid, column] of table.columns) {
    if (column.schemeId === undefined) continue;
    const scheme = db.schemes.get(column.schemeId);
    if (!scheme) continue; // reported by validateHeader
    const values = column.values;
    checkValues(scheme, db, column.dtype, values, { table: id, column: cid, schemeId: column.schemeId, lines, file, mode });
  }
}
