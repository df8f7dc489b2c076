// A database audformat 1.4.3 saved with pandas 3.1 (test/fixtures/format-units/generate.py):
// columns without a scheme (dates, floats) and a misc table whose duration index level
// pandas keeps in microseconds, as CSV and as parquet.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { Database } from "../../src/format/index.js";
import { inferColumn } from "../../src/format/table-csv.js";

const base = join(import.meta.dirname, "../fixtures/format-units");
const out = mkdtempSync(join(tmpdir(), "audb-units-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(["csv", "parquet"])("audformat's %s tables", (storage) => {
  test("durations in microseconds, dates and floats without a scheme read as audformat reads them", async () => {
    const db = await Database.load(join(base, storage));
    const durations = db.miscTables.get("durations")!;
    expect([...(durations.index.level("duration").values as Float64Array)]).toEqual([1, 2.5]);
    const files = db.tables.get("files")!;
    const when = files.column("when").values as unknown[];
    expect(when).toEqual([new Date("2024-01-02T00:00:00Z"), new Date("2024-01-03T04:05:06.789Z")]); // Timestamps in audformat
    for (const [column, values] of [["score", [1, 2.5]], ["whole", [1, 2]]] as const) {
      expect(files.column(column).dtype, column).toBe("float");
      expect([...(files.column(column).values as Float64Array)], column).toEqual(values);
    }
  });

  test("saved as CSV, floats stay floats (1.0, not 1), dates are written as dates, durations keep their unit", async () => {
    const db = await Database.load(join(base, storage));
    const dest = join(out, storage);
    await db.save(dest);
    // The bytes audformat writes, from both sources: dates in a column without a scheme
    // are timestamps in an object column, each written as str(pd.Timestamp).
    expect(readFileSync(join(dest, "db.files.csv"), "utf8")).toBe(readFileSync(join(base, "csv", "db.files.csv"), "utf8"));
    expect(readFileSync(join(dest, "db.durations.csv"), "utf8")).toBe(readFileSync(join(base, "csv", "db.durations.csv"), "utf8"));
    const again = await Database.load(dest);
    expect([...(again.miscTables.get("durations")!.index.level("duration").values as Float64Array)]).toEqual([1, 2.5]);
  });
});

describe("CSV columns without a scheme", () => {
  test("timestamps become Dates only when a Date holds them exactly; other text stays text", () => {
    const column = (texts: Array<string | null>) => inferColumn(texts).values;
    expect(column(["2024-01-02 00:00:00", null, "1969-12-31 23:59:59.999000"])).toEqual([
      new Date("2024-01-02T00:00:00Z"), null, new Date("1969-12-31T23:59:59.999Z"),
    ]);
    for (const texts of [
      ["2024-01-03 04:05:06.789123"], // microseconds
      ["2024-13-01 00:00:00"], // no such month
      ["2024-01-02"], // pandas would write 2024-01-02 00:00:00
      ["2024-01-02 00:00:00", "soon"],
    ]) {
      expect(column(texts), texts.join()).toEqual(texts);
    }
  });
});
