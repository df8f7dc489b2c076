import { existsSync } from "node:fs";
import { join, sep } from "node:path";
import { Database } from "../format/database.js";
import { isComplete } from "../core/cache.js";
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

function viewOf(db: Database): HeaderView {
  return {
    name: db.name,
    tableIds: [...db.tables.keys()],
    miscTableIds: [...db.miscTables.keys()],
    schemeMiscTables: db.miscTablesUsedInSchemes(),
    attachments: Object.fromEntries([...db.attachments].map(([id, a]) => [id, a.path])),
  };
}

/** Reads the header parts publish and load need from `folder/db.yaml` (validated by the format model). */
export async function readHeaderView(folder: string): Promise<HeaderView> {
  return viewOf(await Database.load(folder, { loadData: false }));
}

/** Media files referenced by the given (filewise/segmented) tables of the database in `folder`. */
export async function tableMedia(folder: string, tableIds: string[]): Promise<Set<string>> {
  const db = await Database.load(folder, { loadData: false });
  await db.loadTables(tableIds);
  const files = new Set<string>();
  for (const id of tableIds) for (const f of db.tables.get(id)!.files) files.add(f);
  return files;
}

/**
 * Reads the database in `root` for publishing: header and every table, validated as
 * audformat does (ids, portable paths, known schemes and raters, labels, duplicates).
 */
export async function readPublishable(root: string): Promise<Publishable> {
  const db = await Database.load(root, { check: "strict" });
  const header = viewOf(db);
  const allTableIds = [...header.tableIds, ...header.miscTableIds];
  const tableFiles = allTableIds.map((id) => (existsSync(join(root, `db.${id}.parquet`)) ? `db.${id}.parquet` : `db.${id}.csv`));
  return { ...header, root, files: db.files, allTableIds, tableFiles };
}

/** `folder` (normalised) and the checked relative POSIX path `file` joined, as one flat string (Array#join makes one; `+` and path.join make chains). */
function absolutePath(folder: string, file: string): string {
  return sep === "/" ? [folder, file].join("/") : join(folder, file);
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
  if (options.mediaFiltered) db.pickFiles([...loaded.media, ...loaded.removedMedia]); // as audb: pick, then drop removed
  if (!options.removedMedia) {
    const removed = deps.removedMedia;
    if (removed.length > 0) db.dropFiles(removed);
  }
  const convertible = (f: string) => deps.has(f) && deps.samplingRate(f) > 0;
  const rename = loaded.flavor.format !== null;
  if (rename || options.fullPath) {
    // One string per file, however many rows name it, and a flat one: path.join builds each
    // of pieces (~650 B more a row than the relative name, for 155,000 rows 100 MB).
    const mapped = new Map<string, string>();
    db.mapFiles((f) => {
      let path = mapped.get(f);
      if (path === undefined) {
        const file = rename && convertible(f) ? flavorDestination(loaded.flavor, f) : f;
        path = options.fullPath ? absolutePath(loaded.folder, file) : file;
        mapped.set(f, path);
      }
      return path;
    });
  }
  db.root = loaded.folder;
  // in memory only, as audb: whether the folder holds everything of the version
  const audb = db.meta["audb"];
  if (audb && typeof audb === "object" && !Array.isArray(audb)) {
    const header = audb as Record<string, unknown>; // a legacy header may say complete: true, as audb reads it
    db.meta["audb"] = { ...header, complete: isComplete(loaded.folder) || header["complete"] === true };
  }
  return db;
}
