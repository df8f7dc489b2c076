import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { packageVersion } from "../core/package-version.js";
import { fingerprintOf, sameFingerprint, type Fingerprint, type StatIndex } from "../core/stat-index.js";
import { readPublishable, type Publishable } from "./database-view.js";

/** Key of the record in the stat index. */
const KEY = "publishable";
/** Bump when readPublishable's result changes shape; records of another audb-ts release are not used either. */
const RECORD_VERSION = 2;

interface PublishableRecord {
  version: number;
  /** The audb-ts release that read and checked the database (its checks may differ in another). */
  library: string;
  /** Fingerprints of the header and the table files when they were read. */
  files: Record<string, Fingerprint>;
  view: Omit<Publishable, "root">;
}

/**
 * Fingerprints of `db.yaml` and the table files (`db.<id>.csv|parquet`) in `root`, or
 * undefined (do not use or keep a record) without a regular `db.yaml`, when one of them
 * is not a regular file (a symbolic link), or when one changed within the last 2 s: an
 * edit in the same clock tick would keep size and mtime (git's "racily clean" files).
 */
function headerAndTables(root: string): Record<string, Fingerprint> | undefined {
  const found: Record<string, Fingerprint> = {};
  const recent = Date.now() - 2000;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!(e.name === "db.yaml" || /^db\..+\.(csv|parquet)$/.test(e.name))) continue;
    if (!e.isFile()) return undefined;
    const stats = statSync(join(root, e.name));
    if (stats.mtimeMs > recent) return undefined;
    found[e.name] = fingerprintOf(stats);
  }
  return found["db.yaml"] ? found : undefined;
}

function sameFiles(a: Record<string, Fingerprint>, b: Record<string, Fingerprint>): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((n) => {
    const x = a[n]!;
    const y = b[n];
    return y !== undefined && sameFingerprint(x, y);
  });
}

/**
 * {@link readPublishable}, answered from the record kept in the stat index when the header
 * and every table file have the fingerprint they had when last read and checked
 * (the stat index's own trade-off); otherwise read, checked and kept for the next time.
 * Parsing and checking a 10,000-row table costs ~40 ms of a republish.
 */
export async function readPublishableCached(root: string, index: StatIndex): Promise<Publishable> {
  const now = headerAndTables(root);
  const kept = index.recall(KEY) as PublishableRecord | undefined;
  const library = packageVersion();
  const usable = kept?.version === RECORD_VERSION && kept.library === library && kept.files && kept.view;
  if (now && usable && sameFiles(kept.files, now)) return { ...kept.view, root };
  const db = await readPublishable(root);
  if (now) {
    const { root: _root, ...view } = db;
    index.keep(KEY, { version: RECORD_VERSION, library, files: now, view } satisfies PublishableRecord);
  }
  return db;
}
