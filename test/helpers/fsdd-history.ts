// FSDD's published history for tests: the small subset in test/fixtures/fsdd-mini
// (always there) or the full dataset in ../shared/datasets/fsdd (when present).
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";

export const MINI_FSDD = resolve(import.meta.dirname, "../fixtures/fsdd-mini");
export const FULL_FSDD = resolve(import.meta.dirname, "../../../shared/datasets/fsdd");
export const hasFullFsdd = existsSync(join(FULL_FSDD, "history", "v1.0.10.tsv"));

/** Git tags of the published versions and the semantic versions we publish them as. */
export const FSDD_TAGS: [tag: string, version: string][] = [
  ["v1.0", "1.0.0"], ["v1.0.2", "1.0.2"], ["v1.0.5", "1.0.5"], ["v1.0.7", "1.0.7"], ["v1.0.8", "1.0.8"], ["v1.0.10", "1.0.10"],
];

/** `file -> git blob id` of one tagged version. */
export function manifest(source: string, tag: string): Map<string, string> {
  const text = readFileSync(join(source, "history", `${tag}.tsv`), "utf8");
  return new Map(text.trim().split("\n").filter(Boolean).map((l) => l.split("\t") as [string, string]));
}

/** Writes the recordings of `tag` into `dest/recordings/` (what materialize.sh does). */
export async function materialize(source: string, tag: string, dest: string): Promise<string[]> {
  const latest = new Map([...manifest(source, "v1.0.10")].map(([f, b]) => [b, f]));
  await mkdir(join(dest, "recordings"), { recursive: true });
  const files: string[] = [];
  for (const [file, blob] of manifest(source, tag)) {
    const current = latest.get(blob);
    const src = current ? join(source, "recordings", current) : join(source, "history", "blobs", `${blob}.wav`);
    await copyFile(src, join(dest, "recordings", file));
    files.push(`recordings/${file}`);
  }
  return files.sort();
}

/** What changed from tag `a` to tag `b`: added, removed and re-recorded files. */
export function historyDiff(source: string, a: string | null, b: string): { added: string[]; removed: string[]; changed: string[] } {
  const before = a ? manifest(source, a) : new Map<string, string>();
  const after = manifest(source, b);
  const added = [...after.keys()].filter((f) => !before.has(f));
  const removed = [...before.keys()].filter((f) => !after.has(f));
  const changed = [...after].filter(([f, blob]) => before.has(f) && before.get(f) !== blob).map(([f]) => f);
  return { added, removed, changed };
}

/**
 * Adds copies of the recordings in `root/recordings` (as new indices 100, 101, ...) until
 * there are at least `count`, so tests that interrupt a process have time to do so.
 */
export async function padRecordings(root: string, count: number): Promise<void> {
  const { readdir } = await import("node:fs/promises");
  const dir = join(root, "recordings");
  const names = (await readdir(dir)).filter((f) => f.endsWith(".wav")).sort();
  for (let i = 0; names.length + i < count; i++) {
    const [digit, speaker] = names[i % names.length]!.split("_") as [string, string];
    await copyFile(join(dir, names[i % names.length]!), join(dir, `${digit}_${speaker}_${100 + i}.wav`));
  }
}
