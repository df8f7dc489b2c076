/**
 * Builds an audformat database from the Free Spoken Digit Dataset (FSDD, CC BY-SA 4.0,
 * Zohar Jackson et al.) and publishes it as version 1.0.0 to a local repository.
 *
 *   npx tsx examples/fsdd-publish.ts [fsdd-folder] [repository-folder]
 *
 * `fsdd-folder` holds `recordings/` (default: ../shared/datasets/fsdd when present, else
 * the 37-file subset in test/fixtures/fsdd-mini). The repository goes to
 * `repository-folder` (default: a new temp folder) as repository `data`.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { publish, Repository, type Dependencies } from "../src/index.js";
import { buildFsddDatabase } from "./fsdd-database.js";

/** The FSDD folder to use: the full dataset beside the project when present, else the fixture. */
export function defaultFsddFolder(): string {
  const full = resolve(import.meta.dirname, "../../shared/datasets/fsdd");
  return existsSync(join(full, "recordings")) ? full : resolve(import.meta.dirname, "../test/fixtures/fsdd-mini");
}

/** Writes the FSDD database (header, tables, recordings) into `root` and publishes it. */
export async function publishFsdd(source: string, repository: Repository, root: string, version = "1.0.0"): Promise<Dependencies> {
  await cp(join(source, "recordings"), join(root, "recordings"), { recursive: true });
  await buildFsddDatabase(join(root, "recordings")).save(root);
  return publish(root, version, repository);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const source = resolve(process.argv[2] ?? defaultFsddFolder());
  const host = resolve(process.argv[3] ?? (await mkdtemp(join(tmpdir(), "audb-repo-"))));
  const repository = new Repository("data", host, "file-system");
  const started = performance.now();
  const deps = await publishFsdd(source, repository, await mkdtemp(join(tmpdir(), "fsdd-db-")));
  const seconds = deps.media.reduce((sum, f) => sum + deps.duration(f), 0);
  console.log(`published fsdd 1.0.0 to ${repository}: ${deps.media.length} files, ${(seconds / 60).toFixed(1)} min of audio, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
