/**
 * The main job end to end on an embedded local repository: publish FSDD, load it
 * resampled to 16 kHz as FLAC, and print a summary. `npm run demo` runs this.
 *
 *   npx tsx examples/load-flavour.ts [fsdd-folder]
 */
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { audio, configure, load, Repository, type Database } from "../src/index.js";
import { defaultFsddFolder, publishFsdd } from "./fsdd-publish.js";

/** Loads `fsdd` at 16 kHz FLAC and describes what arrived. */
export async function loadAt16k(): Promise<{ db: Database; summary: string }> {
  const db = await load("fsdd", { samplingRate: 16000, format: "flac" });
  const files = db.tables.get("files")!.files;
  const first = await audio.audioInfo(files[0]!);
  const gender = db.tables.get("files")!.columns.get("speaker")!.get({ map: "gender" }).toArray();
  const summary = [
    `database: ${db.name} (${db.license}, ${db.languages.join(", ")})`,
    `cache folder: ${db.root}`,
    `files: ${files.length}, e.g. ${files[0]}`,
    `first file: ${first.samplingRate} Hz, ${first.channels} channel(s), ${first.bitDepth} bit, ${first.duration.toFixed(3)} s`,
    `speakers' gender via the misc table: ${[...new Set(gender)].join(", ")}`,
  ].join("\n");
  return { db, summary };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const work = await mkdtemp(join(tmpdir(), "audb-demo-"));
  await mkdir(join(work, "repo")); // the host folder: a file-system repository lives in host/name
  const repository = new Repository("data", join(work, "repo"), "file-system");
  configure({ repositories: [repository], cacheRoot: join(work, "cache") });
  const source = resolve(process.argv[2] ?? defaultFsddFolder());
  let t = performance.now();
  const deps = await publishFsdd(source, repository, join(work, "fsdd"));
  console.log(`published fsdd 1.0.0 (${deps.media.length} files from ${source}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const { summary } = await loadAt16k();
  console.log(`loaded at 16 kHz FLAC in ${((performance.now() - t) / 1000).toFixed(1)} s\n${summary}`);
}
