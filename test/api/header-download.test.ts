import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, expect, test } from "vitest";
import { cuts, resetFaults } from "../helpers/faulty-fs-backend.js";
import { FSDD_HEADER, publishedFsdd } from "../helpers/fsdd-db.js";
import { info } from "../../src/api/info.js";
import { load } from "../../src/api/load.js";
import { loadTable } from "../../src/api/load-files.js";
import { YamlError } from "../../src/format/errors.js";

// QA 22 D4: a header cut short by the server was written into the cache before it was
// parsed, and every later load or info failed on it although the server was fine again.

let cacheRoot: string;
const cachedHeader = () => join(cacheRoot, "fsdd", "1.0.0", "db.yaml");
const cutHeaderOnce = () => Object.assign(cuts, { match: /\/db\.yaml$/, bytes: FSDD_HEADER.indexOf("maximum") + 3, times: 1 });

beforeEach(async () => {
  resetFaults();
  ({ cacheRoot } = await publishedFsdd("faulty-fs"));
});

test("load: a header cut short is an error naming the repository key, is not cached, and the next load works", async () => {
  cutHeaderOnce();
  const error = await load("fsdd", { version: "1.0.0", onlyMetadata: true }).catch((e: unknown) => e);
  expect(cuts.done).toBe(1);
  expect(error).toBeInstanceOf(YamlError);
  expect((error as YamlError).message).toContain("'fsdd/1.0.0/db.yaml'");
  expect((error as YamlError).file).toBe("fsdd/1.0.0/db.yaml");
  expect(existsSync(cachedHeader())).toBe(false);
  const db = await load("fsdd", { version: "1.0.0", onlyMetadata: true });
  expect([...db.schemes.keys()]).toContain("digit");
});

test("info and loadTable: a header cut short is not cached", async () => {
  cutHeaderOnce();
  await expect(info.description("fsdd", { version: "1.0.0" })).rejects.toThrow(/'fsdd\/1\.0\.0\/db\.yaml'/);
  expect(existsSync(cachedHeader())).toBe(false);
  expect(await info.description("fsdd", { version: "1.0.0" })).toMatch(/^Free Spoken Digit Dataset/);
  cutHeaderOnce();
  await expect(loadTable("fsdd", "files", { version: "1.0.0", cacheRoot: join(cacheRoot, "other") })).rejects.toBeInstanceOf(YamlError);
  expect((await loadTable("fsdd", "files", { version: "1.0.0", cacheRoot: join(cacheRoot, "other") })).length).toBeGreaterThan(0);
});

test("a cached header that does not parse (left by an older version) is fetched again", async () => {
  await mkdir(join(cacheRoot, "fsdd", "1.0.0"), { recursive: true });
  await writeFile(cachedHeader(), FSDD_HEADER.slice(0, FSDD_HEADER.indexOf("maximum") + 3));
  expect(await info.license("fsdd", { version: "1.0.0" })).toBe("CC-BY-SA-4.0");
  expect((await readFile(cachedHeader(), "utf8")).length).toBeGreaterThan(FSDD_HEADER.indexOf("maximum") + 3);
  await writeFile(cachedHeader(), "name: [");
  const db = await load("fsdd", { version: "1.0.0", onlyMetadata: true });
  expect(db.name).toBe("fsdd");
});
