import { appendFileSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
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

/** Dates the header and tables a minute back: files changed within 2 s are not trusted by stat. */
function age(...names: string[]): void {
  const past = new Date(Date.now() - 60_000);
  for (const name of names.length > 0 ? names : ["db.yaml", "db.files.csv", "db.speaker.csv"]) utimesSync(join(root, name), past, past);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "audb-publishable-"));
  await materialize(MINI_FSDD, "v1.0.10", root);
  await writeFsddDatabase(root);
  age();
});

/** Replaces the view kept in the index of `root` by one named `name`, to see whether it is used. */
async function markRecord(name: string): Promise<void> {
  const index = await StatIndex.load(root);
  const record = index.recall("publishable") as { view: object };
  index.keep("publishable", { ...record, view: { ...record.view, name } });
  await index.save();
}

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
    expect(index.recall("publishable")).toMatchObject({ version: 2, library: expect.any(String), view: { name: "fsdd", files: db.files } });
  });

  test("answers from the kept record while header and tables are unchanged", async () => {
    await readThroughIndex();
    await markRecord("from-the-record");
    const { db } = await readThroughIndex();
    expect(db.name).toBe("from-the-record");
    expect(db.root).toBe(root);
  });

  test("neither keeps nor uses a record while a header or table file is younger than 2 s", async () => {
    await readThroughIndex();
    await markRecord("from-the-record");
    utimesSync(join(root, "db.speaker.csv"), new Date(), new Date()); // touched just now, content the same
    expect((await readThroughIndex()).db.name).toBe("fsdd");
    const index = await StatIndex.load(root);
    expect((index.recall("publishable") as { view: { name: string } }).view.name).toBe("from-the-record"); // not replaced
  });

  test("does not trust a record kept by another audb-ts release", async () => {
    await readThroughIndex();
    const index = await StatIndex.load(root);
    const record = index.recall("publishable") as { view: object; library: string };
    index.keep("publishable", { ...record, library: "0.0.0-other", view: { ...record.view, name: "other-release" } });
    await index.save();
    expect((await readThroughIndex()).db.name).toBe("fsdd");
  });

  test("reads again when a table changed, and sees the change", async () => {
    const { db: before } = await readThroughIndex();
    const extra = "recordings/0_jackson_0.wav";
    const table = join(root, "db.files.csv");
    writeFileSync(table, readFileSync(table, "utf8").replace(`${extra},`, `recordings/extra.wav,`));
    age("db.files.csv");
    const { db: after } = await readThroughIndex();
    expect(before.files).toContain(extra);
    expect(after.files).not.toContain(extra);
    expect(after.files).toContain("recordings/extra.wav");
  });

  test("reads again when the header changed or a table file appeared", async () => {
    await readThroughIndex();
    appendFileSync(join(root, "db.yaml"), "author: someone\n");
    age("db.yaml");
    await markRecord("stale");
    expect((await readThroughIndex()).db.name).toBe("fsdd");

    await markRecord("stale");
    writeFileSync(join(root, "db.unrelated.csv"), "file\n");
    age("db.unrelated.csv");
    expect((await readThroughIndex()).db.name).toBe("fsdd");
  });

  test("a parquet file appearing for a table is read, not answered from the record", async () => {
    await readThroughIndex();
    writeFileSync(join(root, "db.files.parquet"), "not parquet");
    age("db.files.parquet");
    await expect(readThroughIndex()).rejects.toThrow(/db\.files\.parquet/);
  });

  test("a table that is a symbolic link is always read", async () => {
    await readThroughIndex();
    await markRecord("stale");
    renameSync(join(root, "db.speaker.csv"), join(root, "speaker-table.csv"));
    symlinkSync(join(root, "speaker-table.csv"), join(root, "db.speaker.csv"));
    expect((await readThroughIndex()).db.name).toBe("fsdd");
    expect(((await StatIndex.load(root)).recall("publishable") as { view: { name: string } }).view.name).toBe("stale"); // nothing kept
  });

  test("a table removed after a publish is refused, not answered from the record", async () => {
    await readThroughIndex();
    renameSync(join(root, "db.speaker.csv"), join(root, "speaker-table.csv"));
    await expect(readThroughIndex()).rejects.toThrow(/speaker/);
  });

  test("a table broken after a publish is refused, not answered from the record", async () => {
    await readThroughIndex();
    appendFileSync(join(root, "db.files.csv"), "recordings/0_jackson_0.wav,1,jackson,test\n"); // duplicate index entry
    age("db.files.csv");
    const index = await StatIndex.load(root);
    await expect(readPublishableCached(root, index)).rejects.toThrow(/0_jackson_0\.wav/);
  });
});
