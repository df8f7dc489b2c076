/**
 * Scripted split publishing: publish FSDD, fetch only its metadata with `loadTo`, add
 * `test` / `train` splits (recording index 0–4 test, 5–49 train) and publish that as
 * 1.1.0. Only the two new tables, the header and the dependency table are uploaded;
 * the media stay where 1.0.0 put them.
 *
 *   npx tsx examples/split-publishing.ts [fsdd-source-folder]
 *
 * The source folder holds FSDD's `recordings/` (default: test/fixtures/fsdd-mini; the
 * full dataset is in ../shared/datasets/fsdd). Everything is written to a temp folder.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseDocument } from "yaml";
import { writeFsddDatabase } from "../test/helpers/fsdd-db.js";
import { tableMedia } from "../src/api/database-view.js";
import { loadTo } from "../src/api/load-to.js";
import { publish } from "../src/api/publish.js";
import { configure } from "../src/api/settings.js";
import type { Dependencies } from "../src/core/dependencies.js";
import { Repository } from "../src/core/repository.js";

/** Builds the FSDD database from `source/recordings` in `workDir` and publishes it as 1.0.0. */
export async function publishFsdd(source: string, repository: Repository, workDir: string): Promise<Dependencies> {
  const root = join(workDir, "fsdd-1.0.0");
  await cp(join(source, "recordings"), join(root, "recordings"), { recursive: true });
  await writeFsddDatabase(root);
  return publish(root, "1.0.0", repository);
}

/** Split of a recording `<digit>_<speaker>_<index>.wav`. */
export const splitOf = (file: string) => (Number(basename(file, ".wav").split("_")[2]) <= 4 ? "test" : "train");

/** Loads the metadata of `version` into `workDir`, adds the split tables and publishes `next`. */
export async function addSplits(repository: Repository, workDir: string, version = "1.0.0", next = "1.1.0"): Promise<Dependencies> {
  configure({ repositories: [repository], cacheRoot: join(workDir, "cache") });
  const root = join(workDir, `fsdd-${next}`);
  await loadTo(root, "fsdd", { version, onlyMetadata: true });

  const files = [...(await tableMedia(root, ["files"]))].sort();
  const header = parseDocument(await readFile(join(root, "db.yaml"), "utf8"));
  header.set("splits", { test: { type: "test" }, train: { type: "train" } });
  for (const split of ["test", "train"]) {
    header.setIn(["tables", split], { type: "filewise", split_id: split, columns: { digit: { scheme_id: "digit" } } });
    const rows = files.filter((f) => splitOf(f) === split).map((f) => `${f},${basename(f).split("_")[0]}`);
    await writeFile(join(root, `db.${split}.csv`), ["file,digit", ...rows].join("\n") + "\n");
  }
  await writeFile(join(root, "db.yaml"), header.toString());
  return publish(root, next, repository);
}

async function main(): Promise<void> {
  const source = resolve(process.argv[2] ?? join(import.meta.dirname, "../test/fixtures/fsdd-mini"));
  const workDir = await mkdtemp(join(tmpdir(), "split-publishing-"));
  await mkdir(join(workDir, "repo")); // the host folder: a file-system repository lives in host/name
  const repository = new Repository("data", join(workDir, "repo"), "file-system");
  const first = await publishFsdd(source, repository, workDir);
  console.log(`published fsdd 1.0.0: ${first.media.length} media files`);
  const second = await addSplits(repository, workDir);
  const uploaded = [...second.rows()].filter((r) => r.version === "1.1.0").map((r) => r.file);
  console.log(`published fsdd 1.1.0: uploaded ${uploaded.join(", ")} (+ db.yaml, db.zip); repository in ${join(workDir, "repo")}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
