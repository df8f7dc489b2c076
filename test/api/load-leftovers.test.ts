// What a killed load leaves in a cache is swept by the next load, and only that: audb-python's
// staging folder of the same flavour (`<id>~`) may be in use by a running audb-python load.
import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { isTempName, tempPathFor } from "../../backends/filesystem.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { flavorFolder, isComplete } from "../../src/core/cache.js";
import { flavorId, makeFlavor } from "../../src/core/flavor.js";
import { publishedFsdd } from "../helpers/fsdd-db.js";

test("a load removes its own staging folders and temp files a killed load left, not audb-python's staging folder", async () => {
  const { files, cacheRoot } = await publishedFsdd("file-system");
  const folder = flavorFolder(cacheRoot, "fsdd", "1.0.0", flavorId(makeFlavor({})));
  const python = `${folder}~`;
  const ours = `${folder}~Ab3xY9`;
  await mkdir(join(python, "recordings"), { recursive: true });
  await writeFile(join(python, "recordings", "busy.wav"), "audb-python is writing this");
  await mkdir(join(ours, "x"), { recursive: true });
  await mkdir(join(folder, "recordings"), { recursive: true });
  const temp = tempPathFor(join(folder, files[0]!));
  await writeFile(temp, "half a file");

  const loaded = await loadToCache("fsdd", { version: "1.0.0" });
  expect(loaded.folder).toBe(folder);
  expect(isComplete(folder)).toBe(true);
  expect(existsSync(ours)).toBe(false);
  expect(existsSync(temp)).toBe(false);
  const left = (await readdir(folder, { recursive: true })).filter((f) => isTempName(f));
  expect(left).toEqual([]);
  expect(existsSync(join(python, "recordings", "busy.wav"))).toBe(true);
});
