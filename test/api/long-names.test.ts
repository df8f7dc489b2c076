// Media names up to the file system's 255 bytes a segment, which audb-python publishes and
// loads: every temp file written on the way must fit too (QA 20 D02).
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { load } from "../../src/api/load.js";
import { loadTo } from "../../src/api/load-to.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { isTempName, removeTempFilesOf, tempPathFor, tempStem } from "../../backends/filesystem.js";
import { MINI_FSDD } from "../helpers/fsdd-history.js";

const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
const bytes = (name: string) => Buffer.byteLength(name, "utf8");

describe("temp names", () => {
  test("stay within 255 bytes, cut at a character, and are still found as the file's leftovers", async () => {
    for (const name of ["a.wav", `${"y".repeat(246)}.wav`, `${"é".repeat(125)}.wav`, `${"😀".repeat(63)}.wav`]) {
      const temp = tempPathFor(join("/x", name)).slice(3);
      expect(bytes(temp), name).toBeLessThanOrEqual(255);
      expect(isTempName(temp)).toBe(true);
      expect(temp.startsWith(tempStem(name))).toBe(true);
      expect(tempStem(name)).not.toMatch(/\uFFFD|[\uD800-\uDBFF]\.$/); // no half of a surrogate pair
    }
    expect(tempStem("a.wav")).toBe("a.wav.");
    const folder = await tempDir("audb-long-temp-");
    const name = `${"z".repeat(250)}.wav`;
    await writeFile(join(folder, name), "x");
    await writeFile(tempPathFor(join(folder, name)), "left by a killed process");
    await removeTempFilesOf(folder, [name]);
    expect(await readdir(folder)).toEqual([name]);
  });
});

describe("media with a 250-byte name", () => {
  const name = `${"y".repeat(246)}.wav`;
  const file = `long/${name}`;
  let source: string;
  let repo: Repository;
  beforeAll(async () => {
    source = await tempDir("audb-long-db-");
    await mkdir(join(source, "long"));
    const fixtures = join(MINI_FSDD, "recordings");
    const wav = (await readdir(fixtures)).find((f) => f.endsWith(".wav"))!;
    await copyFile(join(fixtures, wav), join(source, file));
    await writeFile(join(source, "db.yaml"), "name: longnames\nsource: test\nusage: unrestricted\nlanguages: []\nschemes: {}\ntables:\n  files:\n    type: filewise\n");
    await writeFile(join(source, "db.files.csv"), `file\n${file}\n`);
    repo = new Repository("long", await tempDir("audb-long-repo-"), "file-system");
    configure({ repositories: [repo], cacheRoot: await tempDir("audb-long-cache-") });
    await publish(source, "1.0.0", repo);
  });

  test("load (as published, and converted to 8 kHz FLAC) and loadTo", async () => {
    const asIs = await load("longnames", { version: "1.0.0" });
    expect(readFileSync(join(asIs.root!, file)).equals(readFileSync(join(source, file)))).toBe(true);
    const flac = await load("longnames", { version: "1.0.0", samplingRate: 8000, format: "flac" });
    expect(existsSync(join(flac.root!, file.replace(/\.wav$/, ".flac")))).toBe(true);
    const target = await tempDir("audb-long-to-");
    await loadTo(target, "longnames", { version: "1.0.0" });
    expect(readFileSync(join(target, file)).equals(readFileSync(join(source, file)))).toBe(true);
  });
});
