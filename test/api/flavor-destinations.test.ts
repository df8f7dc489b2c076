// A format flavour renames audio files: two that would meet, or one without an extension,
// are refused before anything is loaded, as audb refuses them (QA 20 D07, D12).
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { load } from "../../src/api/load.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { convertFile } from "../../src/audio/convert.js";
import { FlavorError } from "../../src/core/flavor.js";
import { Repository } from "../../src/core/repository.js";
import { MINI_FSDD } from "../helpers/fsdd-history.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const WAV = join(MINI_FSDD, "recordings", "0_george_0.wav");

/** Publishes a database of `files` (copies of one recording; `.flac` ones converted) as 1.0.0 in a new repository. */
async function published(name: string, files: string[]): Promise<void> {
  const root = await tempDir(`audb-${name}-`);
  for (const file of files) {
    await mkdir(join(root, file, ".."), { recursive: true });
    if (file.endsWith(".flac")) await convertFile(WAV, join(root, file), { format: "flac", samplingRate: 16000 });
    else await copyFile(WAV, join(root, file));
  }
  await writeFile(join(root, "db.yaml"), `name: ${name}\nsource: test\nusage: unrestricted\nlanguages: []\nschemes: {}\ntables:\n  files:\n    type: filewise\n`);
  await writeFile(join(root, "db.files.csv"), `file\n${files.join("\n")}\n`);
  const repo = new Repository("r", await tempDir("audb-dest-repo-"), "file-system");
  configure({ repositories: [repo], cacheRoot: await tempDir("audb-dest-cache-") });
  await publish(root, "1.0.0", repo);
}

describe("loading with a format", () => {
  test("x.wav and x.flac as flac: a FlavorError naming both; without a format both load", async () => {
    await published("meet", ["c/x.wav", "c/x.flac"]);
    const err = await load("meet", { version: "1.0.0", format: "flac" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(FlavorError);
    expect((err as Error).message).toMatch(/media files 'c\/x\.(wav|flac)' and 'c\/x\.(wav|flac)' would both become 'c\/x\.flac'/);
    expect((await load("meet", { version: "1.0.0", fullPath: false })).tables.get("files")!.files).toEqual(["c/x.wav", "c/x.flac"]);
    // one at a time too: the converted x.wav must not be served as x.flac
    for (const media of [["c/x.wav"], ["c/x.flac"]]) {
      await expect(load("meet", { version: "1.0.0", format: "flac", media })).rejects.toThrow(/would both become 'c\/x\.flac'/);
    }
  });

  test("audio without an extension as flac: a FlavorError naming it; without a format it loads", async () => {
    await published("noext", ["dir.v1/rec", "plain/rec2"]);
    const err = await load("noext", { version: "1.0.0", format: "flac" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(FlavorError);
    expect((err as Error).message).toMatch(/media file '(dir\.v1\/rec|plain\/rec2)' has no extension/);
    const db = await load("noext", { version: "1.0.0" });
    expect(existsSync(join(db.root!, "dir.v1/rec"))).toBe(true);
  });
});
