// Durations audformat 1.4.3 saved with pandas 3.1 (test/fixtures/format-timedelta/generate.py):
// one format per column or index level, so a table audb-ts loads and saves keeps its bytes
// (and its md5, which audb-python compares when it publishes).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Database } from "../../src/format/index.js";

const source = join(import.meta.dirname, "../fixtures/format-timedelta/csv");
const out = mkdtempSync(join(tmpdir(), "audb-durations-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("durations in CSV", () => {
  test("read as audformat reads them", async () => {
    const db = await Database.load(source);
    const values = db.miscTables.get("values")!;
    const column = (id: string) => [...(values.column(id).values as Float64Array)];
    expect(column("mixed")).toEqual([0, 1.5, NaN]);
    expect(column("days")).toEqual([86_400, 172_800, -86_400]);
    expect(column("negative")).toEqual([-1, -0.5, 0]);
    expect(column("nanos")).toEqual([1e-9, 1, 0]);
    expect(column("long")).toEqual([400 * 86_400 + 3, 0.25, 0]);
    expect(column("none")).toEqual([NaN, NaN, NaN]);
    const segments = db.tables.get("segments")!;
    expect([...(segments.index.level("end").values as Float64Array)]).toEqual([1.5, NaN, 2]);
  });

  test("whole days spelled with a clock (as audb-ts wrote them before) keep it; pandas' 'N days' stays too", async () => {
    const root = join(out, "clocked");
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, "db.yaml"), "name: t\nsource: ''\nusage: research\nlanguages: []\ntables:\n  segs: {type: segmented}\n");
    const csv = "file,start,end\na.wav,0 days 00:00:00,1 days\nb.wav,0 days 00:00:00,2 days\n";
    writeFileSync(join(root, "db.segs.csv"), csv);
    const db = await Database.load(root);
    const dest = join(out, "clocked-saved");
    await db.save(dest);
    expect(readFileSync(join(dest, "db.segs.csv"), "utf8")).toBe(csv);
  });

  test.each(["values", "segments", "whole_segments"])("table '%s' saved again has pandas 3's bytes", async (table) => {
    const db = await Database.load(source);
    const dest = join(out, table);
    await db.save(dest);
    expect(readFileSync(join(dest, `db.${table}.csv`), "utf8")).toBe(readFileSync(join(source, `db.${table}.csv`), "utf8"));
  });
});
