import { tempPathFor } from "../../backends/filesystem.js";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { versionFolder } from "../core/cache.js";
import type { DependencyRow } from "../core/dependencies.js";
import { headerKey } from "../core/layout.js";
import { Database } from "../format/index.js";
import { dependencies } from "./discovery.js";
import { latestVersionIn, lookupVersion } from "./resolve.js";
import { cacheRootFor, settings } from "./settings.js";

/** Which version to look at (default: the latest) and where to cache header and dependency table. */
export interface InfoOptions {
  version?: string;
  cacheRoot?: string;
}

/** Type and columns of one table, as {@link info}.tables lists them. */
export interface TableInfo {
  type: "filewise" | "segmented" | "misc";
  columns: Record<string, { schemeId?: string; raterId?: string }>;
}

/**
 * Path of the original header of `name` `version` in `<cacheRoot>/<name>/<version>/db.yaml`,
 * downloaded (temp + rename) when not there yet.
 */
export async function fetchHeaderFile(name: string, version: string, cacheRoot = settings().cacheRoot): Promise<string> {
  const folder = versionFolder(cacheRoot, name, version);
  const path = join(folder, "db.yaml");
  if (existsSync(path)) return path;
  const backend = await (await lookupVersion(name, version)).open();
  await mkdir(folder, { recursive: true });
  const temp = tempPathFor(path);
  try {
    await backend.getFile(headerKey(name, version), temp);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}

async function header(name: string, options: InfoOptions = {}): Promise<Database> {
  const version = options.version ?? (await latestVersionIn(name));
  const path = await fetchHeaderFile(name, version, cacheRootFor(options.cacheRoot));
  return Database.fromYaml(await readFile(path, "utf8"), path);
}

/** Media rows of the dependency table, without removed media unless asked for. */
async function mediaRows(name: string, options: InfoOptions & { removed?: boolean }): Promise<DependencyRow[]> {
  const deps = await dependencies(name, options);
  return deps.media.map((f) => deps.get(f)).filter((r) => options.removed || !r.removed);
}

function distinct<T extends number | string>(values: T[]): T[] {
  const set = [...new Set(values)];
  return typeof set[0] === "number" ? (set as number[]).sort((a, b) => a - b) as T[] : set.sort();
}

const field = <K extends keyof Database>(key: K) => async (name: string, options: InfoOptions = {}): Promise<Database[K]> =>
  (await header(name, options))[key];

/**
 * Facts about a database version from its header and dependency table only (no table
 * data, no media are downloaded). `version` defaults to the latest.
 */
export const info = {
  /** The header as a {@link Database} whose tables hold no data. */
  header,
  description: field("description"),
  license: field("license"),
  licenseUrl: field("licenseUrl"),
  source: field("source"),
  usage: field("usage"),
  author: field("author"),
  organization: field("organization"),
  languages: field("languages"),
  schemes: field("schemes"),
  splits: field("splits"),
  raters: field("raters"),
  attachments: field("attachments"),
  media: field("media"),
  miscTables: field("miscTables"),
  meta: field("meta"),

  /** Tables and misc tables: type and columns with their scheme and rater. */
  async tables(name: string, options: InfoOptions = {}): Promise<Record<string, TableInfo>> {
    const db = await header(name, options);
    const out: Record<string, TableInfo> = {};
    const columnsOf = (table: { columns: Map<string, { schemeId?: string; raterId?: string }> }) =>
      Object.fromEntries([...table.columns].map(([id, c]) => [id, {
        ...(c.schemeId !== undefined ? { schemeId: c.schemeId } : {}),
        ...(c.raterId !== undefined ? { raterId: c.raterId } : {}),
      }]));
    for (const [id, table] of db.tables) out[id] = { type: table.type, columns: columnsOf(table) };
    for (const [id, table] of db.miscTables) out[id] = { type: "misc", columns: columnsOf(table) };
    return out;
  },

  /** Media files of the version; removed media only with `removed: true`. */
  async files(name: string, options: InfoOptions & { removed?: boolean } = {}): Promise<string[]> {
    return (await mediaRows(name, options)).map((r) => r.file);
  },

  /** Total duration in seconds of the media that are not removed. */
  async duration(name: string, options: InfoOptions = {}): Promise<number> {
    return (await mediaRows(name, options)).reduce((sum, r) => sum + r.duration, 0);
  },

  /** Distinct sampling rates of the media, ascending (0 for media that are not audio). */
  async samplingRates(name: string, options: InfoOptions = {}): Promise<number[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.samplingRate));
  },
  /** Distinct channel counts of the media, ascending. */
  async channels(name: string, options: InfoOptions = {}): Promise<number[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.channels));
  },
  /** Distinct bit depths of the media, ascending. */
  async bitDepths(name: string, options: InfoOptions = {}): Promise<number[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.bitDepth));
  },
  /** Distinct file formats (lowercase extensions) of the media, sorted. */
  async formats(name: string, options: InfoOptions = {}): Promise<string[]> {
    return distinct((await mediaRows(name, options)).map((r) => r.format));
  },
};
