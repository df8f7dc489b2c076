/**
 * Database: the audformat header (`db.yaml`) with its tables.
 */

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readHeaderText } from "./utf8.js";
import { Column } from "./column.js";
import {
  MissingTableFileError,
  TableExistsError,
  TableInUseError,
  UnknownTableError,
  YamlError,
} from "./errors.js";
import { appendMeta, asMapping, fieldError, metaFrom, optString, parseYaml } from "./header-yaml.js";
import {
  Attachment,
  checkOneOf,
  LICENSE_URLS,
  Media,
  Rater,
  Split,
  USAGES,
  type Usage,
} from "./header-items.js";
import { mapLanguage } from "./languages.js";
import { checkId } from "./paths.js";
import { compareCodePoints } from "./py.js";
import { Scheme } from "./scheme.js";
import { BaseTable, MiscTable, Table } from "./table.js";
import { readTableCsv, writeTableCsv, type CsvColumnSpec } from "./table-csv.js";
import { sortedUnique, type IndexType } from "./table-index.js";
import { readTableParquet } from "./table-parquet.js";
import type { ValueCheck } from "./labels.js";
import { validateHeader, validateTableData } from "./validate.js";
import { isDtype, type Dtype } from "./values.js";
import { dumpPyYaml, type YamlValue } from "./yaml-emit.js";

/** A `Map` of header objects by id, calling a hook when an entry is set. */
export class IdMap<V> extends Map<string, V> {
  private hook?: (id: string, value: V) => void;

  /** @internal */
  _onSet(hook: (id: string, value: V) => void): this {
    this.hook = hook;
    return this;
  }

  override set(id: string, value: V): this {
    this.hook?.(id, value);
    return super.set(id, value);
  }
}

export interface DatabaseOptions {
  source?: string;
  usage?: Usage;
  expires?: Date;
  /** Languages; mapped to ISO 639-3 (`"de"`, `"german"` → `"deu"`). */
  languages?: string | string[];
  description?: string;
  author?: string;
  organization?: string;
  /** Licence; for the predefined CC licences `licenseUrl` is filled in. */
  license?: string;
  licenseUrl?: string;
  meta?: Record<string, unknown>;
}

export interface LoadOptions {
  /** Load table data now (default `true`); otherwise call `await table.load()` later. */
  loadData?: boolean;
  /**
   * Load the data of these tables / misc tables only (plus misc tables used
   * as scheme labels). The others stay in the header, not loaded.
   */
  tables?: string[];
  /**
   * How values are checked against their schemes: `lenient` (default, as
   * audformat loads tables) makes values not among the labels NA and leaves
   * minimum / maximum unchecked; `strict` throws LabelError / OutOfRangeError
   * (what publish and save require).
   */
  check?: ValueCheck;
}

export interface SaveOptions {
  /** Write `db.yaml` only. */
  headerOnly?: boolean;
}

/** The fields of a header, in the order audformat writes them; other top-level keys are meta. */
export const HEADER_KEYS = [
  "name",
  "description",
  "source",
  "usage",
  "expires",
  "languages",
  "author",
  "organization",
  "license",
  "license_url",
  "attachments",
  "media",
  "raters",
  "schemes",
  "splits",
  "tables",
  "misc_tables",
] as const;

const HEADER_FILE = "db.yaml";

/** File name of a table's CSV in a database root. */
export function tableCsvName(id: string): string {
  return `db.${id}.csv`;
}

/** File name of a table's parquet in a database root. */
export function tableParquetName(id: string): string {
  return `db.${id}.parquet`;
}

function tmpName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
}

function sortedEntries<V>(map: Map<string, V>): Array<[string, V]> {
  return [...map.entries()].sort((a, b) => compareCodePoints(a[0], b[0]));
}

/**
 * An audformat database: the header (`db.yaml`: name, source, usage, languages, schemes,
 * raters, splits, media, attachments, meta) and its tables and misc tables.
 */
export class Database {
  name: string;
  description?: string;
  source: string;
  usage: Usage;
  expires?: Date;
  languages: string[];
  author?: string;
  organization?: string;
  license?: string;
  licenseUrl?: string;
  /** Other top-level header keys, as PyYAML reads them (integers beyond 2^53 as `bigint`). */
  meta: Record<string, unknown>;
  readonly attachments = new IdMap<Attachment>();
  readonly media = new IdMap<Media>();
  readonly raters = new IdMap<Rater>();
  readonly schemes = new IdMap<Scheme>();
  readonly splits = new IdMap<Split>();
  readonly tables: IdMap<Table>;
  readonly miscTables: IdMap<MiscTable>;
  /** Folder the database was loaded from or saved to. */
  root?: string;

  constructor(name: string, opts: DatabaseOptions = {}) {
    this.name = name;
    this.description = opts.description;
    this.source = opts.source ?? "";
    this.usage = checkOneOf(opts.usage ?? "unrestricted", USAGES, "usage");
    this.expires = opts.expires;
    const langs = opts.languages === undefined ? [] : Array.isArray(opts.languages) ? opts.languages : [opts.languages];
    this.languages = langs.map(mapLanguage);
    this.author = opts.author;
    this.organization = opts.organization;
    this.license = opts.license;
    this.licenseUrl = opts.licenseUrl ?? (opts.license !== undefined ? LICENSE_URLS[opts.license] : undefined);
    this.meta = opts.meta ?? {};
    this.tables = new IdMap<Table>()._onSet((id, table) => this.attachTable(id, table, "table"));
    this.miscTables = new IdMap<MiscTable>()._onSet((id, table) => this.attachTable(id, table, "misc table"));
  }

  private attachTable(id: string, table: BaseTable, kind: "table" | "misc table"): void {
    checkId(id, kind, { table: id });
    const other = kind === "table" ? this.miscTables : this.tables;
    if (other.has(id)) {
      throw new TableExistsError(`Cannot add ${kind} '${id}': there is already a ${kind === "table" ? "misc table" : "table"} with this id`, {
        table: id,
      });
    }
    if (kind === "table" && !(table instanceof Table)) throw new TableExistsError(`'${id}' is not a Table (use miscTables for a MiscTable)`, { table: id });
    if (kind === "misc table" && !(table instanceof MiscTable)) throw new TableExistsError(`'${id}' is not a MiscTable`, { table: id });
    table.db = this;
    table.id = id;
  }

  /** The table or misc table `id`. */
  table(id: string): Table | MiscTable {
    const t = this.tables.get(id) ?? this.miscTables.get(id);
    if (!t) {
      throw new UnknownTableError(`Unknown table '${id}' (tables: ${[...this.tables.keys(), ...this.miscTables.keys()].join(", ")})`, {
        table: id,
      });
    }
    return t;
  }

  /** Ids of all tables and misc tables, sorted. */
  get tableIds(): string[] {
    return [...this.tables.keys(), ...this.miscTables.keys()].sort(compareCodePoints);
  }

  /** Media files referenced by all tables: unique, sorted. Tables must be loaded. */
  get files(): string[] {
    const all: Array<string | null> = [];
    for (const table of this.tables.values()) for (const f of table.index.files) all.push(f);
    return sortedUnique(all);
  }

  /** `true` if every referenced media path is portable. */
  get isPortable(): boolean {
    try {
      for (const [id, table] of this.tables) if (table.isLoaded) validateTableData(this, id, table);
      return true;
    } catch {
      return false;
    }
  }

  /** Keep only rows that reference `files` (or files matching the predicate) in all tables. */
  pickFiles(files: Iterable<string> | ((file: string) => boolean)): this {
    const arg = typeof files === "function" ? files : new Set(files);
    for (const table of this.tables.values()) table.pickFiles(arg);
    return this;
  }

  /** Remove rows that reference `files` (or files matching the predicate) from all tables. */
  dropFiles(files: Iterable<string> | ((file: string) => boolean)): this {
    const arg = typeof files === "function" ? files : new Set(files);
    for (const table of this.tables.values()) table.dropFiles(arg);
    return this;
  }

  /** Replaces every file path in all tables by `fn(path)`. */
  mapFiles(fn: (file: string) => string): this {
    for (const table of this.tables.values()) if (table.isLoaded) table.mapFiles(fn);
    return this;
  }

  /** Misc tables that schemes use as labels. */
  miscTablesUsedInSchemes(): string[] {
    const ids = new Set<string>();
    for (const s of this.schemes.values()) if (typeof s.labels === "string" && this.miscTables.has(s.labels)) ids.add(s.labels);
    return [...ids].sort(compareCodePoints);
  }

  /**
   * Keep only the tables / misc tables `ids`. Throws {@link UnknownTableError}
   * for an unknown id and {@link TableInUseError} if a misc table a scheme
   * uses as labels would be removed (as audformat does).
   */
  pickTables(ids: string | string[]): this {
    const keep = new Set(Array.isArray(ids) ? ids : [ids]);
    for (const id of keep) this.table(id);
    return this.dropTables(this.tableIds.filter((id) => !keep.has(id)));
  }

  /** Remove tables / misc tables. */
  dropTables(ids: string | string[]): this {
    const list = Array.isArray(ids) ? ids : [ids];
    for (const id of list) this.table(id);
    for (const id of list) {
      if (this.miscTables.has(id)) {
        const users = [...this.schemes.entries()].filter(([, s]) => s.labels === id).map(([sid]) => `'${sid}'`);
        if (users.length > 0) {
          throw new TableInUseError(`Misc table '${id}' is used as labels by scheme(s) ${users.join(", ")} and cannot be removed`, { table: id });
        }
      }
    }
    for (const id of list) {
      this.tables.delete(id);
      this.miscTables.delete(id);
    }
    return this;
  }

  // ------------------------------------------------------------- validation

  /**
   * Check the header and the data of all loaded tables. Throws the first
   * problem as a {@link FormatError} subclass.
   */
  validate(): void {
    validateHeader(this);
    for (const [id, t] of this.miscTables) validateTableData(this, id, t);
    for (const [id, t] of this.tables) validateTableData(this, id, t);
  }

  // ------------------------------------------------------------------- YAML

  /** The header as written to `db.yaml` (key order and layout as audformat writes it). */
  toYaml(): string {
    const out = new Map<YamlValue, YamlValue>();
    out.set("name", this.name);
    if (this.description !== undefined && this.description !== null) out.set("description", this.description);
    out.set("source", this.source);
    out.set("usage", this.usage);
    if (this.expires !== undefined && this.expires !== null) out.set("expires", this.expires);
    out.set("languages", [...this.languages]);
    if (this.author !== undefined && this.author !== null) out.set("author", this.author);
    if (this.organization !== undefined && this.organization !== null) out.set("organization", this.organization);
    if (this.license !== undefined && this.license !== null) out.set("license", this.license);
    if (this.licenseUrl !== undefined && this.licenseUrl !== null) out.set("license_url", this.licenseUrl);
    const group = <V extends { toYaml(): Map<YamlValue, YamlValue> }>(key: string, map: Map<string, V>) => {
      if (map.size === 0) return;
      const m = new Map<YamlValue, YamlValue>();
      for (const [id, v] of sortedEntries(map)) m.set(id, v.toYaml() as YamlValue);
      out.set(key, m as YamlValue);
    };
    group("attachments", this.attachments);
    group("media", this.media);
    group("raters", this.raters);
    group("schemes", this.schemes);
    group("splits", this.splits);
    group("tables", this.tables);
    group("misc_tables", this.miscTables);
    appendMeta(out, this.meta);
    return dumpPyYaml(out as YamlValue);
  }

  /** Parse a header. Tables are created without data (not loaded). */
  static fromYaml(text: string, file?: string): Database {
    let raw = parseYaml(text, file);
    if (raw === null || raw === undefined) throw new YamlError(`Header${file ? ` '${file}'` : ""} is empty`, { file });
    if (!(raw instanceof Map)) {
      throw new YamlError(`Header${file ? ` '${file}'` : ""} must be a mapping of header fields (name, source, usage, ...), not ${describeYaml(raw)}`, { file });
    }
    let m = asMapping(raw, "header", file);
    // old layout: the whole header under the database name
    if (m.size === 1 && !m.has("name")) {
      const [name, inner] = [...m.entries()][0];
      m = new Map(asMapping(inner, name, file));
      m.set("name", name);
      raw = m as YamlValue;
    }
    for (const key of ["name", "source", "usage"]) {
      if (!m.has(key)) throw new YamlError(`Header${file ? ` '${file}'` : ""} has no '${key}' field`, { file, field: key });
    }
    const str = (key: string) => optString(m.get(key), key, file);
    const usage = m.get("usage");
    const db = new Database(str("name") ?? "", { source: str("source") ?? "", usage: checkOneOf(usage, USAGES, "usage") });
    db.description = str("description");
    const expires = m.get("expires");
    if (expires !== undefined && expires !== null) {
      if (!(expires instanceof Date)) throw fieldError("expires", "must be a date", file);
      db.expires = expires;
    }
    const langs = m.get("languages");
    if (langs !== undefined && langs !== null) {
      if (!Array.isArray(langs)) throw fieldError("languages", "must be a list", file);
      db.languages = langs.map((l) => String(l));
    }
    db.author = str("author");
    db.organization = str("organization");
    db.license = str("license");
    db.licenseUrl = str("license_url");
    db.meta = metaFrom(m, HEADER_KEYS);

    for (const [id, v] of asMapping(m.get("attachments") ?? null, "attachments", file)) {
      db.attachments.set(id, Attachment.fromYaml(v, `attachments.${id}`, file));
    }
    for (const [id, v] of asMapping(m.get("media") ?? null, "media", file)) db.media.set(id, Media.fromYaml(v, `media.${id}`, file));
    for (const [id, v] of asMapping(m.get("raters") ?? null, "raters", file)) db.raters.set(id, Rater.fromYaml(v, `raters.${id}`, file));
    for (const [id, v] of asMapping(m.get("schemes") ?? null, "schemes", file)) db.schemes.set(id, Scheme.fromYaml(v, `schemes.${id}`, file));
    for (const [id, v] of asMapping(m.get("splits") ?? null, "splits", file)) db.splits.set(id, Split.fromYaml(v, `splits.${id}`, file));

    const tableOpts = (t: Map<string, YamlValue>, field: string) => ({
      description: optString(t.get("description"), `${field}.description`, file),
      splitId: optString(t.get("split_id"), `${field}.split_id`, file),
      mediaId: optString(t.get("media_id"), `${field}.media_id`, file),
    });
    const addColumns = (table: BaseTable, t: Map<string, YamlValue>, field: string) => {
      for (const [cid, cv] of asMapping(t.get("columns") ?? null, `${field}.columns`, file)) {
        const c = asMapping(cv, `${field}.columns.${cid}`, file);
        const column = new Column({
          schemeId: optString(c.get("scheme_id"), `${field}.columns.${cid}.scheme_id`, file),
          raterId: optString(c.get("rater_id"), `${field}.columns.${cid}.rater_id`, file),
          description: optString(c.get("description"), `${field}.columns.${cid}.description`, file),
          meta: metaFrom(c, ["description", "scheme_id", "rater_id", "has_confidence"]),
        });
        table.columns.set(cid, column);
      }
    };
    const misc = asMapping(m.get("misc_tables") ?? null, "misc_tables", file);
    const tables = asMapping(m.get("tables") ?? null, "tables", file);
    for (const id of misc.keys()) {
      if (tables.has(id)) throw new TableExistsError(`'${id}' is both a table and a misc table`, { table: id, file });
    }
    for (const [id, v] of misc) {
      const field = `misc_tables.${id}`;
      const t = asMapping(v, field, file);
      const levels: Array<{ name: string; dtype: Dtype }> = [];
      for (const [name, dtype] of asMapping(t.get("levels") ?? null, `${field}.levels`, file)) {
        if (!isDtype(dtype)) throw new YamlError(`Invalid dtype '${String(dtype)}' of level '${name}' in '${field}.levels'`, { file, field: `${field}.levels`, table: id });
        levels.push({ name, dtype });
      }
      if (levels.length === 0) throw new YamlError(`Misc table '${id}' has no index levels`, { file, field: `${field}.levels`, table: id });
      const table = MiscTable._unloaded(levels, tableOpts(t, field));
      table.meta = metaFrom(t, ["levels", "description", "split_id", "media_id", "columns"]);
      db.miscTables.set(id, table);
      addColumns(table, t, field);
    }
    for (const [id, v] of tables) {
      const field = `tables.${id}`;
      const t = asMapping(v, field, file);
      const type = t.get("type") ?? "filewise";
      if (type !== "filewise" && type !== "segmented") {
        throw new YamlError(`Table '${id}' has invalid type '${String(type)}', expected 'filewise' or 'segmented'`, { file, field: `${field}.type`, table: id });
      }
      const table = Table._unloaded(type as IndexType, tableOpts(t, field));
      table.meta = metaFrom(t, ["type", "description", "split_id", "media_id", "columns", "is_segmented"]);
      db.tables.set(id, table);
      addColumns(table, t, field);
    }
    return db;
  }

  // -------------------------------------------------------------- load/save

  /**
   * Load a database from `root`: `db.yaml` and, for each table, `db.<id>.parquet`
   * (preferred, as audformat does) or `db.<id>.csv`. The header and the loaded
   * data are validated.
   */
  static async load(root: string, opts: LoadOptions = {}): Promise<Database> {
    const dir = resolve(root);
    const path = join(dir, HEADER_FILE);
    let text: string;
    try {
      text = await readHeaderText(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new MissingTableFileError(`No header '${path}'`, { file: path });
      throw err;
    }
    const db = Database.fromYaml(text, path);
    db.root = dir;
    validateHeader(db);
    if (opts.loadData ?? true) {
      let ids: string[];
      if (opts.tables !== undefined) {
        for (const id of opts.tables) db.table(id);
        ids = [...new Set([...opts.tables, ...db.miscTablesUsedInSchemes()])];
      } else {
        ids = db.tableIds;
      }
      await db.loadTables(ids, opts.check);
    }
    return db;
  }

  /** Load the data of tables (default: all not yet loaded) from `root`; `check` as in {@link LoadOptions}. */
  async loadTables(ids?: string[], check: ValueCheck = "lenient"): Promise<void> {
    const root = this.root;
    if (root === undefined) throw new MissingTableFileError(`Database '${this.name}' has no root to load tables from`);
    const list = (ids ?? this.tableIds).map((id) => [id, this.table(id)] as const).filter(([, t]) => !t.isLoaded);
    // misc tables first: their index is needed to check labels of other tables
    const order = [...list.filter(([, t]) => t instanceof MiscTable), ...list.filter(([, t]) => t instanceof Table)];
    await Promise.all(order.map(([id, t]) => this.readTableData(root, id, t, check)));
    const validated = new Set<string>();
    for (const [id, t] of order) {
      // labels from a misc table that is not loaded cannot be checked: load it
      for (const column of t.columns.values()) {
        const s = column.schemeId === undefined ? undefined : this.schemes.get(column.schemeId);
        if (s && typeof s.labels === "string") {
          const misc = this.miscTables.get(s.labels);
          if (misc && !misc.isLoaded) await this.readTableData(root, s.labels, misc, check);
        }
      }
      validateTableData(this, id, t, check);
      validated.add(id);
    }
  }

  private async readTableData(root: string, id: string, table: BaseTable, check: ValueCheck = "lenient"): Promise<void> {
    const levels: CsvColumnSpec[] =
      table instanceof MiscTable
        ? table._levelList.map((l) => ({ name: l.name, dtype: l.dtype }))
        : (table as Table).type === "filewise"
          ? [{ name: "file", dtype: "str" }]
          : [
              { name: "file", dtype: "str" },
              { name: "start", dtype: "time" },
              { name: "end", dtype: "time" },
            ];
    const columns: CsvColumnSpec[] = [...table.columns.entries()].map(([cid, c]) => ({
      name: cid,
      dtype: c.schemeId !== undefined && this.schemes.has(c.schemeId) ? this.schemes.get(c.schemeId)!.dtype : undefined,
    }));
    const parquet = join(root, tableParquetName(id));
    const csv = join(root, tableCsvName(id));
    let result: { index: import("./table-index.js").Index; columns: Map<string, { dtype: Dtype; values: import("./values.js").Values }>; lines?: Int32Array };
    let source: string;
    if (existsSync(parquet)) {
      result = await readTableParquet(parquet, levels, columns, id);
      source = parquet;
    } else if (existsSync(csv)) {
      result = await readTableCsv(csv, levels, columns, id, check === "lenient");
      source = csv;
    } else {
      throw new MissingTableFileError(`No file for table '${id}': expected '${csv}' or '${parquet}'`, { table: id, file: csv });
    }
    table._setData(result.index, result.columns);
    table._lines = result.lines;
    table._source = source;
  }

  /**
   * Save to `root`: `db.yaml` and `db.<id>.csv` for every table. Everything is
   * validated first and written to temporary names, then renamed into place
   * (header last), so no file is ever half-written. A stale
   * `db.<id>.parquet` / `.pkl` of a saved table is removed, since audformat
   * would prefer it over the new CSV.
   */
  async save(root: string, opts: SaveOptions = {}): Promise<void> {
    const dir = resolve(root);
    if (!opts.headerOnly) {
      // tables not loaded yet: load them from where they are, unless saving in place
      const unloaded = this.tableIds.filter((id) => !this.table(id).isLoaded);
      if (unloaded.length > 0 && this.root !== undefined && resolve(this.root) !== dir) await this.loadTables(unloaded);
    }
    validateHeader(this);
    if (!opts.headerOnly) {
      for (const [id, t] of this.miscTables) validateTableData(this, id, t);
      for (const [id, t] of this.tables) validateTableData(this, id, t);
    }
    await mkdir(dir, { recursive: true });
    const pending: Array<[string, string]> = [];
    try {
      if (!opts.headerOnly) {
        for (const id of this.tableIds) {
          const table = this.table(id);
          if (!table.isLoaded) continue; // saving in place: its file stays as it is
          const final = join(dir, tableCsvName(id));
          const tmp = tmpName(final);
          pending.push([tmp, final]);
          await writeTableCsv(tmp, table);
        }
      }
      const header = join(dir, HEADER_FILE);
      const tmpHeader = tmpName(header);
      pending.push([tmpHeader, header]);
      await writeFile(tmpHeader, this.toYaml(), "utf8");
      for (const [tmp, final] of pending) await rename(tmp, final);
      pending.length = 0;
      if (!opts.headerOnly) {
        for (const id of this.tableIds) {
          if (!this.table(id).isLoaded) continue;
          await rm(join(dir, tableParquetName(id)), { force: true });
          await rm(join(dir, `db.${id}.pkl`), { force: true });
        }
      }
    } finally {
      for (const [tmp] of pending) await rm(tmp, { force: true });
    }
    this.root = dir;
    for (const t of [...this.tables.values(), ...this.miscTables.values()]) {
      if (t.isLoaded) {
        t._lines = undefined;
        t._source = undefined;
      }
    }
  }

  /** Header equality and table data equality. */
  equals(other: Database): boolean {
    if (this.toYaml() !== other.toYaml()) return false;
    for (const id of this.tableIds) {
      const a = this.table(id);
      const b = other.table(id);
      if (a.isLoaded !== b.isLoaded) return false;
      if (!a.isLoaded) continue;
      if (!a.index.equals(b.index)) return false;
      for (const [cid, c] of a.columns) {
        const d = b.columns.get(cid);
        if (!d || c.dtype !== d.dtype) return false;
        const x = c.get().toArray();
        const y = d.get().toArray();
        if (x.length !== y.length) return false;
        for (let i = 0; i < x.length; i++) {
          const u = x[i];
          const v = y[i];
          if (u instanceof Date && v instanceof Date ? u.getTime() !== v.getTime() : !Object.is(u, v) && JSON.stringify(u) !== JSON.stringify(v)) return false;
        }
      }
    }
    return true;
  }
}


/** What a parsed YAML value is, for a message: "a list", "the string 'x'", ... */
function describeYaml(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the text '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  return `the value ${String(value)}`;
}
