import { join } from "node:path";
import { versionFolder } from "../core/cache.js";
import type { DependencyRow } from "../core/dependencies.js";
import { Database } from "../format/index.js";
import { sumOnNanosecondGrid } from "../format/time.js";
import { dependencies } from "./discovery.js";
import { applyFilter } from "./filters.js";
import { fetchVersionTables, loadTableFrom } from "./load-files.js";
import { originalHeader } from "./original-header.js";
import { latestVersionIn, lookupVersion } from "./resolve.js";
import { cacheRootFor, settings } from "./settings.js";

/** Which version to look at (default: the latest) and where to cache header and dependency table. */
export interface InfoOptions {
  version?: string;
  cacheRoot?: string;
}

/**
 * One table as {@link info}.tables lists it: type, columns with their scheme and rater,
 * split, media and description. Misc tables are in {@link info}.miscTables.
 */
export interface TableInfo {
  type: "filewise" | "segmented";
  columns: Record<string, { schemeId?: string; raterId?: string }>;
  splitId?: string;
  mediaId?: string;
  description?: string;
}

/**
 * The original header of `name` `version`, `<cacheRoot>/<name>/<version>/db.yaml`: its
 * path and what it says. Downloaded when not there yet or when the cached one does not
 * parse; it goes into place (temp + rename) only once it parses.
 */
export async function fetchHeaderFile(name: string, version: string, cacheRoot = settings().cacheRoot): Promise<{ path: string; db: Database }> {
  const path = join(versionFolder(cacheRoot, name, version), "db.yaml");
  const { db } = await originalHeader(path, name, version, async () => (await lookupVersion(name, version)).open());
  return { path, db };
}

/** Whether {@link info}.header and .schemes load the misc tables schemes take their labels from (default true, as audb). */
export interface HeaderOptions extends InfoOptions {
  loadTables?: boolean;
}

async function header(name: string, options: HeaderOptions = {}): Promise<Database> {
  const version = options.version ?? (await latestVersionIn(name));
  const cacheRoot = cacheRootFor(options.cacheRoot);
  const { db } = await fetchHeaderFile(name, version, cacheRoot);
  const labels = options.loadTables === false ? [] : db.miscTablesUsedInSchemes();
  if (labels.length === 0) return db;
  return Database.load(await fetchVersionTables(name, version, db, labels, cacheRoot), { tables: labels }); // the header's folder
}

/**
 * Which media the facts of {@link info} cover (as audb's `tables` and `media` arguments):
 * filters as in `load` (a regular expression, or a list of exact names); a FilterError
 * when one matches nothing.
 */
export interface MediaInfoOptions extends InfoOptions {
  /** Only media in these tables (their data are downloaded, as audb does). */
  tables?: string | string[];
  /** Only these media (the tables are downloaded to find them, as audb does). */
  media?: string | string[];
  /** Removed media (`removeMedia`) count too, as in audb (default); false leaves them out. */
  removed?: boolean;
}

/** Media rows of the dependency table the options select, in its order. */
async function mediaRows(name: string, options: MediaInfoOptions): Promise<DependencyRow[]> {
  const version = options.version ?? (await latestVersionIn(name));
  const deps = await dependencies(name, { ...options, version });
  let media = deps.media;
  if (options.tables !== undefined || options.media !== undefined) {
    const db = await header(name, { ...options, version, loadTables: false });
    const where = ` in '${name}' ${version}`;
    const tables = applyFilter([...db.tables.keys(), ...db.miscTables.keys()], options.tables, "tables", where).filter((t) => !db.miscTables.has(t));
    const folder = await fetchVersionTables(name, version, db, tables, cacheRootFor(options.cacheRoot));
    const inTables = new Set<string>();
    for (const table of tables) {
      const frame = await loadTableFrom(folder, name, version, table);
      for (const file of frame.index.level("file").values as string[]) inTables.add(file);
    }
    media = inTables.size === 0 ? [] : applyFilter(media, options.media, "media", where).filter((f) => inTables.has(f));
  }
  const rows = media.map((f) => deps.get(f));
  return options.removed === false ? rows.filter((r) => !r.removed) : rows;
}

function distinct<T extends number | string>(values: T[]): T[] {
  const set = [...new Set(values)];
  return typeof set[0] === "number" ? (set as number[]).sort((a, b) => a - b) as T[] : set.sort();
}

const field = <K extends keyof Database>(key: K) => async (name: string, options: InfoOptions = {}): Promise<Database[K]> =>
  (await header(name, { ...options, loadTables: false }))[key];

/**
 * Facts about a database version (default: the latest) from its header and dependency
 * table, as audb's `info` functions. No media are downloaded; `header` and `schemes` also
 * fetch the misc tables schemes take their labels from (not with `loadTables: false`), and
 * a `tables` or `media` filter on a media fact fetches table data (all tables when only
 * `media` is given), as audb does. The header's own fields (`description`, `license`, ...,
 * `meta`) read the header alone.
 */
export const info = {
  /**
   * The header as a {@link Database}: its tables hold no data, but the misc tables schemes
   * take their labels from do unless `loadTables: false` (they are downloaded, as audb does).
   */
  header,
  description: field("description"),
  license: field("license"),
  licenseUrl: field("licenseUrl"),
  source: field("source"),
  usage: field("usage"),
  author: field("author"),
  organization: field("organization"),
  languages: field("languages"),
  /** The schemes; those with labels from a misc table can list them unless `loadTables: false`. */
  async schemes(name: string, options: HeaderOptions = {}): Promise<Database["schemes"]> {
    return (await header(name, options)).schemes;
  },
  splits: field("splits"),
  raters: field("raters"),
  attachments: field("attachments"),
  media: field("media"),
  miscTables: field("miscTables"),
  meta: field("meta"),

  /** The filewise and segmented tables (as audb's `info.tables`; misc tables: {@link info}.miscTables). */
  async tables(name: string, options: InfoOptions = {}): Promise<Record<string, TableInfo>> {
    const db = await header(name, { ...options, loadTables: false });
    const out: Record<string, TableInfo> = {};
    for (const [id, table] of db.tables) {
      out[id] = {
        type: table.type,
        columns: Object.fromEntries([...table.columns].map(([column, c]) => [column, {
          ...(c.schemeId !== undefined ? { schemeId: c.schemeId } : {}),
          ...(c.raterId !== undefined ? { raterId: c.raterId } : {}),
        }])),
        ...(table.splitId !== undefined ? { splitId: table.splitId } : {}),
        ...(table.mediaId !== undefined ? { mediaId: table.mediaId } : {}),
        ...(table.description ? { description: table.description } : {}),
      };
    }
    return out;
  },

  /** Media files of the version, removed ones too unless `removed: false` (as audb's `info.files`). */
  async files(name: string, options: InfoOptions & { removed?: boolean } = {}): Promise<string[]> {
    return (await mediaRows(name, { version: options.version, cacheRoot: options.cacheRoot, removed: options.removed })).map((r) => r.file);
  },

  /** Total duration in seconds, to the nanosecond as audb's `Timedelta`. */
  async duration(name: string, options: MediaInfoOptions = {}): Promise<number> {
    return sumOnNanosecondGrid((await mediaRows(name, options)).map((r) => r.duration));
  },

  /** Distinct sampling rates of the media, ascending (0 for media that are not audio). */
  async samplingRates(name: string, options: MediaInfoOptions = {}): Promise<number[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.samplingRate));
  },
  /** Distinct channel counts of the media, ascending. */
  async channels(name: string, options: MediaInfoOptions = {}): Promise<number[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.channels));
  },
  /** Distinct bit depths of the media, ascending. */
  async bitDepths(name: string, options: MediaInfoOptions = {}): Promise<number[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.bitDepth));
  },
  /** Distinct file formats (lowercase extensions) of the media, sorted. */
  async formats(name: string, options: MediaInfoOptions = {}): Promise<string[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.format));
  },
};
