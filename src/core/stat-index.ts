import { statSync, type BigIntStats } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** File name of the stat index kept in a database folder. */
export const STAT_INDEX_FILE = ".audb-stat-index.json";

/** What identifies a file's content without reading it: size, mtime (ns, as a string) and inode. */
export interface Fingerprint { size: number; mtimeNs: string; ino: number }

interface Entry extends Fingerprint { checksum: string }

/** The fingerprint of a file from its (BigInt) stat. */
export function fingerprintOf(stats: BigIntStats): Fingerprint {
  return { size: Number(stats.size), mtimeNs: stats.mtimeNs.toString(), ino: Number(stats.ino) };
}

/**
 * Remembers the checksum of each file of a database folder by size, mtime and inode, so a
 * republish does not re-hash files that did not change (the trade-off git's index makes).
 */
export class StatIndex {
  private entries: Record<string, Entry>;
  private dirty = false;

  private constructor(private readonly root: string, entries: Record<string, Entry>) {
    this.entries = entries;
  }

  /** Loads the index of `root`; an absent or unreadable index is empty. */
  static async load(root: string): Promise<StatIndex> {
    try {
      const data = JSON.parse(await readFile(join(root, STAT_INDEX_FILE), "utf8")) as { version: number; files: Record<string, Entry> };
      return new StatIndex(root, data.version === 1 && data.files ? data.files : {});
    } catch {
      return new StatIndex(root, {});
    }
  }

  /**
   * The remembered checksum of `file` (relative path) if it is unchanged and of
   * `algorithm`'s length. Blocking: one `stat` costs a few microseconds, far less than a
   * promise round trip through libuv's pool, and a republish looks up every file. `now`
   * gives the file's current fingerprint when it is known already (undefined: missing).
   */
  lookup(file: string, length: number, now: () => Fingerprint | undefined = () => this.stat(file)): string | undefined {
    const e = this.entries[file];
    if (!e || e.checksum.length !== length) return undefined;
    const current = now();
    if (!current || current.size !== e.size || current.mtimeNs !== e.mtimeNs || current.ino !== e.ino) return undefined;
    return e.checksum;
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
    this.entries[file] = { size: fingerprint.size, mtimeNs: fingerprint.mtimeNs, ino: fingerprint.ino, checksum };
    this.dirty = true;
  }

  /** Writes the index (temp + rename) if it changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const target = join(this.root, STAT_INDEX_FILE);
    const temp = `${target}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify({ version: 1, files: this.entries }));
    await rename(temp, target);
    this.dirty = false;
  }
}
