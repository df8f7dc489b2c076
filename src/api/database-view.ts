import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { readCsvFile } from "../format/csv-reader.js";
import { YamlError } from "../format/errors.js";
import { checkId, checkPortablePath } from "../format/paths.js";
import { Database } from "../format/database.js";
import { flavorDestination } from "../core/flavor.js";
import type { LoadedFolder } from "./load-cache.js";

/** What publish and load need to know of a database folder's header. */
export interface HeaderView {
  name: string;
  /** Filewise and segmented tables. */
  tableIds: string[];
  miscTableIds: string[];
  /** Misc tables that schemes use as labels: they always load. */
  schemeMiscTables: string[];
  /** Attachment id -> path. */
  attachments: Record<string, string>;
}

/** A database folder about to be published. */
export interface Publishable extends HeaderView {
  root: string;
  /** Media referenced by the tables, unique, sorted. */
  files: string[];
  /** All table ids (tables then misc tables). */
  allTableIds: string[];
  /** Per table id, the file that is published: `db.<id>.parquet` if present, else `db.<id>.csv`. */
  tableFiles: string[];
}

function keysOf(value: unknown): string[] {
  return value && typeof value === "object" ? Object.keys(value) : [];
}

/** Reads the header parts publish and load need from `folder/db.yaml`. */
export async function readHeaderView(folder: string): Promise<HeaderView> {
  const path = join(folder, "db.yaml");
  let header: Record<string, unknown>;
  try {
    header = (parse(await readFile(path, "utf8"), { maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new YamlError(`cannot read '${path}': ${(e as Error).message}`);
  }
  const name = header.name;
  if (typeof name !== "string" || name === "") throw new YamlError(`'${path}' has no database name`);
  const miscTableIds = keysOf(header.misc_tables);
  const schemes = (header.schemes ?? {}) as Record<string, { labels?: unknown }>;
  const schemeMiscTables = Object.values(schemes)
    .map((s) => s?.labels)
    .filter((l): l is string => typeof l === "string" && miscTableIds.includes(l));
  const attachments: Record<string, string> = {};
  for (const [id, a] of Object.entries((header.attachments ?? {}) as Record<string, { path?: string }>)) {
    attachments[id] = String(a?.path ?? "");
  }
  return { name, tableIds: keysOf(header.tables), miscTableIds, schemeMiscTables: [...new Set(schemeMiscTables)], attachments };
}

/** Media files referenced in the `file` column of the given (filewise/segmented) tables. */
export async function tableMedia(folder: string, tableIds: string[]): Promise<Set<string>> {
  const files = new Set<string>();
  for (const id of tableIds) {
    const csv = join(folder, `db.${id}.csv`);
    if (existsSync(join(folder, `db.${id}.parquet`))) {
      const { readParquetColumn } = await import("./parquet-column.js");
      for (const f of await readParquetColumn(join(folder, `db.${id}.parquet`), "file")) files.add(String(f));
      continue;
    }
    let fileCol = -1;
    await readCsvFile(csv, {
      field(text, col, row) {
        if (row === 0) {
          if (text === "file") fileCol = col;
        } else if (col === fileCol && text !== "") files.add(text);
      },
      endRecord() {},
    });
  }
  return files;
}

/** Reads what publish needs of `root` and checks ids and paths. */
export async function readPublishable(root: string): Promise<Publishable> {
  const header = await readHeaderView(root);
  const allTableIds = [...header.tableIds, ...header.miscTableIds];
  for (const id of allTableIds) checkId(id, "table");
  for (const [id, path] of Object.entries(header.attachments)) {
    checkId(id, "attachment");
    checkPortablePath(path, `attachment '${id}' path`);
  }
  const tableFiles = allTableIds.map((id) => (existsSync(join(root, `db.${id}.parquet`)) ? `db.${id}.parquet` : `db.${id}.csv`));
  const files = [...(await tableMedia(root, header.tableIds))].sort();
  for (const f of files) checkPortablePath(f, "media file");
  return { ...header, root, files, allTableIds, tableFiles };
}

/**
 * The database of a loaded cache folder, as audb's `load` returns it: selected tables
 * (plus misc tables schemes use), rows of media not selected or removed dropped, file
 * extensions changed by the flavour's format, and absolute paths when `fullPath`.
 */
export async function openLoadedDatabase(
  loaded: LoadedFolder,
  options: { fullPath: boolean; removedMedia: boolean; mediaFiltered: boolean },
): Promise<Database> {
  const db = await Database.load(loaded.folder, { tables: loaded.tables });
  const keep = new Set([...loaded.tables, ...db.miscTablesUsedInSchemes()]);
  db.dropTables(db.tableIds.filter((id) => !keep.has(id)));
  const deps = loaded.dependencies;
  if (options.mediaFiltered) db.pickFiles(loaded.media);
  if (!options.removedMedia) {
    const removed = deps.removedMedia;
    if (removed.length > 0) db.dropFiles(removed);
  }
  const convertible = (f: string) => deps.has(f) && deps.samplingRate(f) > 0;
  const rename = loaded.flavor.format !== null;
  if (rename || options.fullPath) {
    db.mapFiles((f) => {
      const file = rename && convertible(f) ? flavorDestination(loaded.flavor, f) : f;
      return options.fullPath ? join(loaded.folder, file) : file;
    });
  }
  db.root = loaded.folder;
  return db;
}
