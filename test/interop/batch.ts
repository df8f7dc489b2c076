/**
 * Batches of audb-python operations (`batch.py`) and the availability gate of the
 * interop suites.
 *
 * In CI (`process.env.CI` set) the audb venv must build: `interop()` throws and the
 * suite fails. Locally without Python the suites are skipped with the reason.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { ensureAudbVenv, runPython } from "./python.js";

/** Whether the audb-python venv is usable; in CI a failure throws instead. */
export async function interopAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await ensureAudbVenv();
    return { ok: true };
  } catch (e) {
    if (process.env["CI"]) {
      throw new Error(`interop tests cannot run in CI: the audb-python venv failed to build\n${(e as Error).message}`);
    }
    const reason = `audb-python unavailable, interop tests skipped: ${(e as Error).message.split("\n").slice(0, 3).join(" ")}`;
    console.warn(reason);
    return { ok: false, reason };
  }
}

export type BatchOp = { op: string } & Record<string, unknown>;
type BatchResult = { ok: true; result: unknown } | { ok: false; error: string; traceback: string };

/**
 * Runs `ops` in one audb-python process; returns the results in order. Throws on the
 * first failed operation unless `allowErrors` (then failures come back as `Error`s).
 */
export async function runBatch(ops: BatchOp[], allowErrors = false): Promise<unknown[]> {
  const dir = await mkdtemp(join(tmpdir(), "audb-batch-"));
  try {
    await writeFile(join(dir, "ops.json"), JSON.stringify(ops));
    // a fresh default cache per batch: audb.publish looks up the previous version's
    // dependency table in the default cache, and test databases reuse names and versions
    await runPython("batch.py", [join(dir, "ops.json"), join(dir, "out.json")], {
      AUDB_CACHE_ROOT: join(dir, "cache"),
      AUDB_SHARED_CACHE_ROOT: join(dir, "shared-cache"),
    });
    const results = JSON.parse(await readFile(join(dir, "out.json"), "utf8")) as BatchResult[];
    return results.map((r, i) => {
      if (r.ok) return r.result;
      const error = new Error(`audb-python ${JSON.stringify(ops[i])} failed: ${r.error}\n${r.traceback}`);
      if (allowErrors) return error;
      throw error;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What `load_db.load_json` returns (the parts the tests use). */
export interface PyLoad {
  name: string;
  version: string;
  root: string;
  flavor_id: string;
  meta_audb: Record<string, unknown>;
  files: Record<string, string>;
  /** The text of the folder's `db.yaml`. */
  header: string;
  db_files: string[];
  dependencies: PyDependency[];
  schemes: Record<string, { dtype: string; labels: unknown }>;
  tables?: Record<string, PyFrame>;
  misc_tables?: Record<string, PyFrame>;
}

export interface PyDependency {
  file: string; archive: string; bit_depth: number; channels: number; checksum: string; duration: number;
  format: string; removed: number; sampling_rate: number; type: number; version: string;
}

export interface PyFrame {
  index: Record<string, unknown[]>;
  columns: Record<string, unknown[]>;
  dtypes: Record<string, string>;
}

export interface PyDb {
  schemes: Record<string, { dtype: string; labels: unknown }>;
  tables: Record<string, PyFrame>;
  misc_tables: Record<string, PyFrame>;
}

export interface AudioInfo { sampling_rate: number; channels: number; frames: number; bit_depth: number; format: string }
export interface AudioComparison { reference: AudioInfo; other: AudioInfo; max_lsb?: number; diff_db?: number }

/** Relative POSIX path -> md5 of every file below `root` (like `_common.list_files`). */
export function listFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(root, full).split(sep).join("/")] = createHash("md5").update(readFileSync(full)).digest("hex");
    }
  };
  walk(root);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
