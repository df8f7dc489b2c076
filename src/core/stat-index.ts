import { statSync, type BigIntStats } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** File name of the stat index kept in a database folder. */
export const STAT_INDEX_FILE = ".audb-stat-index.json";

/** What identifies a file's content without reading it: size, mtime (ns, as a string) and inode. */
export interface Fingerprint { size: number; mtimeNs: string; ino: number }

/** The fingerprint of a file from its (BigInt) stat. */
export function fingerprintOf(stats: BigIntStats): Fingerprint {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs.toString(), ino: Number(stats.ino) };
}

/**
 * The index as stored: one array per field, a row per file (v2; v1 held an object per
 * file), and records other code keeps about the folder (see {@link StatIndex.recall}).
 */
interface Columns {
  files: string[];
  size: number[];
  mtimeNs: string[];
  ino: number[];
  checksum: string[];
  records?: Record<string, unknown>;
}

function emptyColumns(): Columns {
  return { files: [], size: [], mtimeNs: [], ino: [], checksum: [] };
}

function pushRow(columns: Columns, file: string, fingerprint: Fingerprint, checksum: string): void {
  columns.files.push(file);
  columns.size.push(fingerprint.size);
  columns.mtimeNs.push(fingerprint.mtimeNs);
  columns.ino.push(fingerprint.ino);
  columns.checksum.push(checksum);
}

/** Columns of a stored index of either version; throws when the content is not an index. */
function columnsOf(data: unknown): Columns {
  const stored = data as { version?: number; files?: unknown } & Partial<Columns>;
  if (stored.version === 2) {
    const { files, size, mtimeNs, ino, checksum, records } = stored;
    const n = Array.isArray(files) ? files.length : -1;
    if (n < 0 || [size, mtimeNs, ino, checksum].some((c) => !Array.isArray(c) || c.length !== n)) throw new Error("bad columns");
    const typed = (c: unknown[], type: "string" | "number") => c.every((v) => typeof v === type);
    if (!typed(files!, "string") || !typed(mtimeNs!, "string") || !typed(checksum!, "string") || !typed(size!, "number") || !typed(ino!, "number")) {
      throw new Error("bad values");
    }
    const plain = records !== null && typeof records === "object" && !Array.isArray(records);
    return { files: files!, size: size!, mtimeNs: mtimeNs!, ino: ino!, checksum: checksum!, records: plain ? records : {} };
  }
  if (stored.version === 1 && stored.files && typeof stored.files === "object") {
    const columns = emptyColumns();
    for (const [file, e] of Object.entries(stored.files as unknown as Record<string, Fingerprint & { checksum: string }>)) {
      pushRow(columns, file, e, e.checksum);
    }
    return columns;
  }
  throw new Error("unknown version");
}

/**
 * Remembers the checksum of each file of a database folder by size, mtime and inode, so a
 * republish does not re-hash files that did not change (the trade-off git's index makes).
 */
export class StatIndex {
  private readonly rows = new Map<string, number>();
  private dirty = false;

  private constructor(private readonly root: string, private readonly columns: Columns) {
    this.reindex();
  }

  private reindex(): void {
    this.rows.clear();
    this.columns.files.forEach((file, row) => this.rows.set(file, row));
  }

  /** Loads the index of `root`; an absent or unreadable index is empty. */
  static async load(root: string): Promise<StatIndex> {
    let columns: Columns;
    try {
      columns = columnsOf(JSON.parse(await readFile(join(root, STAT_INDEX_FILE), "utf8")));
    } catch {
      columns = emptyColumns();
    }
    return new StatIndex(root, columns);
  }

  /** The files the index remembers, by row. */
  get files(): readonly string[] {
    return this.columns.files;
  }

  /** The row of `file`, if the index remembers it. */
  rowOf(file: string): number | undefined {
    return this.rows.get(file);
  }

  /**
   * The remembered checksum of `file` (relative path) if it is unchanged and of
   * `algorithm`'s length. Blocking: one `stat` costs a few microseconds, far less than a
   * promise round trip through libuv's pool, and a republish looks up every file. `now`
   * gives the file's current fingerprint when it is known already (undefined: missing or
   * not a regular file).
   */
  lookup(file: string, length: number, now: () => Fingerprint | undefined = () => this.stat(file)): string | undefined {
    const row = this.rows.get(file);
    if (row === undefined) return undefined;
    const c = this.columns;
    const checksum = c.checksum[row]!;
    if (checksum.length !== length) return undefined;
    const current = now();
    if (!current || current.size !== c.size[row] || current.mtimeNs !== c.mtimeNs[row] || current.ino !== c.ino[row]) return undefined;
    return checksum;
  }

  private stat(file: string): Fingerprint | undefined {
    const stats = statSync(join(this.root, file), { bigint: true, throwIfNoEntry: false });
    return stats && fingerprintOf(stats);
  }

  /** Records the checksum of `file` as of its current stat. */
  remember(file: string, checksum: string): void {
    this.rememberAs(file, fingerprintOf(statSync(join(this.root, file), { bigint: true })), checksum);
  }

  /** Records the checksum of `file` as of the stat `fingerprint` taken before it was read. */
  rememberAs(file: string, fingerprint: Fingerprint, checksum: string): void {
    const c = this.columns;
    let row = this.rows.get(file);
    if (row === undefined) {
      row = c.files.push(file) - 1;
      this.rows.set(file, row);
    }
    c.size[row] = fingerprint.size;
    c.mtimeNs[row] = fingerprint.mtimeNs;
    c.ino[row] = fingerprint.ino;
    c.checksum[row] = checksum;
    this.dirty = true;
  }

  /** Forgets every file not in `files` (those of the database as now published, each once). */
  retain(files: readonly string[]): void {
    const c = this.columns;
    let known = 0;
    for (const file of files) if (this.rows.has(file)) known++;
    if (known === c.files.length) return;
    const wanted = new Set(files);
    const kept = emptyColumns();
    c.files.forEach((file, row) => {
      if (wanted.has(file)) pushRow(kept, file, { size: c.size[row]!, mtimeNs: c.mtimeNs[row]!, ino: c.ino[row]! }, c.checksum[row]!);
    });
    Object.assign(c, kept); // the records stay
    this.reindex();
    this.dirty = true;
  }

  /** What was kept under `key` with {@link keep} (by this or an earlier publish), if anything. */
  recall(key: string): unknown {
    return this.columns.records?.[key];
  }

  /** Keeps `value` (JSON) under `key` with the index, for the next publish. */
  keep(key: string, value: unknown): void {
    (this.columns.records ??= {})[key] = value;
    this.dirty = true;
  }

  /** Writes the index (temp + rename) if it changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const target = join(this.root, STAT_INDEX_FILE);
    const temp = `${target}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ version: 2, ...this.columns }));
    await rename(temp, target);
    this.dirty = false;
  }
}
