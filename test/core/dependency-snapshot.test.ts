import { readFile, writeFile } from "node:fs/promises";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Dependencies, DependencyType, type DependencyRow } from "../../src/core/dependencies.js";
import { csvLineStarts, dependenciesToCsv, dependenciesToCsvBytes } from "../../src/core/dependencies-csv.js";
import {
  DEPENDENCY_SNAPSHOT_FILE, loadDependencySnapshot, saveDependencySnapshot, snapshotBody,
} from "../../src/core/dependency-snapshot.js";
import { zipBytes } from "../../src/core/zip-bytes.js";

function row(file: string, extra: Partial<DependencyRow> = {}): DependencyRow {
  return {
    file, archive: `a-${file}`, bitDepth: 16, channels: 1, checksum: "0123456789abcdef", duration: 1.25,
    format: "wav", removed: false, samplingRate: 16000, type: DependencyType.media, version: "1.0.0", ...extra,
  };
}

async function published() {
  const deps = new Dependencies();
  deps.set(row("db.files.csv", { archive: "files", bitDepth: 0, channels: 0, duration: 0, format: "csv", samplingRate: 0, type: DependencyType.meta }));
  deps.set(row("audio/a.wav"));
  deps.set(row("audio/b,c.wav", { removed: true, version: "1.1.0", duration: 0.1 + 0.2 }));
  const csv = Buffer.from(dependenciesToCsv(deps), "utf8");
  const zip = await zipBytes([{ name: "db.csv", data: csv, compression: "fast" }]);
  const root = mkdtempSync(join(tmpdir(), "snapshot-"));
  await saveDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv }, snapshotBody(deps));
  return { deps, csv, zip, root };
}

describe("dependency snapshot", () => {
  test("gives back the table kept for the same version, db.zip and db.csv; the table can still change", async () => {
    const { deps, csv, zip, root } = await published();
    const kept = await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv });
    expect(kept).toBeDefined();
    expect(kept!.equals(deps)).toBe(true);
    expect(kept!.rowOf("audio/b,c.wav")).toBe(2);
    kept!.set(row("audio/d.wav", { version: "1.2.0" }));
    kept!.setVersion(["audio/a.wav"], "1.2.0");
    expect(kept!.get("audio/a.wav").version).toBe("1.2.0");
    expect(kept!.media).toEqual(["audio/a.wav", "audio/b,c.wav", "audio/d.wav"]);
  });

  test("a table loaded from a snapshot and changed is kept exactly again, as it was when encoded", async () => {
    const { csv, zip, root } = await published();
    const kept = (await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv }))!;
    kept.set(row("audio/a.wav", { checksum: "fedcba9876543210", version: "1.2.0", duration: 2.5 }), 1);
    const expected = kept.clone();
    const body = snapshotBody(kept);
    kept.set(row("audio/a.wav", { checksum: "1111111111111111", version: "9.9.9", duration: 9, bitDepth: 24 }), 1); // after encoding
    const csv2 = Buffer.from(dependenciesToCsv(expected), "utf8");
    const zip2 = await zipBytes([{ name: "db.csv", data: csv2, compression: "fast" }]);
    await saveDependencySnapshot(root, { name: "db", version: "1.2.0", zip: zip2, csv: csv2 }, body);
    const again = await loadDependencySnapshot(root, { name: "db", version: "1.2.0", zip: zip2, csv: csv2 });
    expect(again!.equals(expected)).toBe(true);
  });

  test("ties the table to the db.csv it was kept with, through the line starts it stored", async () => {
    const { csv, zip, root } = await published();
    const kept = (await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv }))!;
    expect([...kept.csvSource!.source.lineStarts]).toEqual([...csvLineStarts(csv)]);
    kept.set(row("audio/a.wav", { checksum: "fedcba9876543210", version: "1.2.0" }), 1);
    expect(dependenciesToCsvBytes(kept).toString("utf8")).toBe(dependenciesToCsv(kept)); // unchanged lines copied, the changed one written
    const file = join(root, DEPENDENCY_SNAPSHOT_FILE);
    const bytes = await readFile(file);
    bytes[bytes.length - 1]! ^= 0x01; // a damaged line start
    await writeFile(file, bytes);
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv })).toBeUndefined();
  });

  test("is not used for another database or version, a db.zip or db.csv that differs, or a damaged file", async () => {
    const { csv, zip, root } = await published();
    const flip = (b: Buffer, at: number) => { const c = Buffer.from(b); c[at]! ^= 0x01; return c; };
    expect(await loadDependencySnapshot(root, { name: "other", version: "1.1.0", zip, csv })).toBeUndefined();
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.0.0", zip, csv })).toBeUndefined();
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip: flip(zip, zip.length - 30), csv })).toBeUndefined();
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv: flip(csv, 5) })).toBeUndefined();

    const file = join(root, DEPENDENCY_SNAPSHOT_FILE);
    const good = await readFile(file);
    await writeFile(file, flip(good, good.length - 3));
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv })).toBeUndefined();
    await writeFile(file, good.subarray(0, 20));
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv })).toBeUndefined();
    await writeFile(file, "not a snapshot");
    expect(await loadDependencySnapshot(root, { name: "db", version: "1.1.0", zip, csv })).toBeUndefined();
    expect(await loadDependencySnapshot(mkdtempSync(join(tmpdir(), "none-")), { name: "db", version: "1.1.0", zip, csv })).toBeUndefined();
  });
});
