import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, test } from "vitest";
import { readPublishable } from "../../src/api/database-view.js";
import { readPublishableCached } from "../../src/api/publishable-cache.js";
import { StatIndex } from "../../src/core/stat-index.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "audb-publishable-"));
  await materialize(MINI_FSDD, "v1.0.10", root);
  await writeFsddDatabase(root);
});

/** Loads the index of `root`, reads the database through it and saves the index, as publish does. */
async function readThroughIndex(): Promise<{ index: StatIndex; db: Awaited<ReturnType<typeof readPublishable>> }> {
  const index = await StatIndex.load(root);
  const db = await readPublishableCached(root, index);
  await index.save();
  return { index, db };
}

describe("readPublishableCached", () => {
  test("reads and checks the database the first time and keeps what it found", async () => {
    const { index, db } = await readThroughIndex();
    expect(db).toEqual(await readPublishable(root));
    expect(index.recall("publishable")).toMatchObject({ version: 1, view: { name: "fsdd", files: db.files } });
  });

  test("answers from the kept record while header and tables are unchanged", async () => {
    await readThroughIndex();
    const index = await StatIndex.load(root);
    const record = index.recall("publishable") as { view: { name: string } };
    index.keep("publishable", { ...record, view: { ...record.view, name: "from-the-record" } });
    await index.save();
    const { db } = await readThroughIndex();
    expect(db.name).toBe("from-the-record");
    expect(db.root).toBe(root);
  });

  test("reads again when a table changed, and sees the change", async () => {
    const { db: before } = await readThroughIndex();
    const extra = "recordings/0_jackson_0.wav";
    const table = join(root, "db.files.csv");
    writeFileSync(table, readFileSync(table, "utf8").replace(`${extra},`, `recordings/extra.wav,`));
    const { db: after } = await readThroughIndex();
    expect(before.files).toContain(extra);
    expect(after.files).not.toContain(extra);
    expect(after.files).toContain("recordings/extra.wav");
  });

  test("reads again when the header changed or a table file appeared", async () => {
    await readThroughIndex();
    appendFileSync(join(root, "db.yaml"), "author: someone\n");
    const index = await StatIndex.load(root);
    const record = index.recall("publishable") as { view: object };
    index.keep("publishable", { ...record, view: { ...record.view, name: "stale" } });
    await index.save();
    expect((await readThroughIndex()).db.name).toBe("fsdd");

    const again = await StatIndex.load(root);
    const kept = again.recall("publishable") as { view: object };
    again.keep("publishable", { ...kept, view: { ...kept.view, name: "stale" } });
    await again.save();
    writeFileSync(join(root, "db.unrelated.csv"), "file\n");
    expect((await readThroughIndex()).db.name).toBe("fsdd");
  });

  test("a table broken after a publish is refused, not answered from the record", async () => {
    await readThroughIndex();
    appendFileSync(join(root, "db.files.csv"), "recordings/0_jackson_0.wav,1,jackson,test\n"); // duplicate index entry
    const index = await StatIndex.load(root);
    await expect(readPublishableCached(root, index)).rejects.toThrow(/0_jackson_0\.wav/);
  });
});
