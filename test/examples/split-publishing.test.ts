import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import "../helpers/counting-backend.js";
import { resetTraffic, traffic } from "../helpers/counting-backend.js";
import { MINI_FSDD } from "../helpers/fsdd-history.js";
import { addSplits, publishFsdd, splitOf } from "../../examples/split-publishing.js";
import { loadToCache } from "../../src/api/load-cache.js";
import { Repository } from "../../src/core/repository.js";

describe("split publishing example", () => {
  test("adding split tables uploads the two tables, the header and the dependency table only", async () => {
    const workDir = await mkdtemp(join(tmpdir(), "split-"));
    const repository = new Repository("data", join(workDir, "repo"), "counting-fs");
    const first = await publishFsdd(MINI_FSDD, repository, workDir);

    resetTraffic();
    const second = await addSplits(repository, workDir);
    expect(traffic.puts.sort()).toEqual(["fsdd/1.1.0/db.yaml", "fsdd/1.1.0/db.zip", "fsdd/meta/1.1.0/test.zip", "fsdd/meta/1.1.0/train.zip"]);
    expect(traffic.gets.filter((k) => k.includes("/media/"))).toEqual([]);
    expect(second.media).toEqual(first.media);
    expect(second.tables.sort()).toEqual(["db.files.csv", "db.speaker.csv", "db.test.csv", "db.train.csv"]);

    const test = await loadToCache("fsdd", { version: "1.1.0", tables: ["test"] });
    expect(test.media.sort()).toEqual(first.media.filter((f) => splitOf(f) === "test").sort());
    expect(test.media.length).toBeGreaterThan(0);
    const train = await loadToCache("fsdd", { version: "1.1.0", tables: ["train"], onlyMetadata: true });
    expect(train.tables).toContain("train");
  });
});
