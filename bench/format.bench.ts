// Saving and loading a 100,000-row segmented table (CSV) with the audformat model.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Database } from "../src/format/index.js";
import { segmentedDb } from "../test/helpers/segmented-db.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export default async function (): Promise<void> {
  const rows = Number(process.env.AUDB_BENCH_ROWS ?? 100_000);
  const db = segmentedDb(rows);
  const save: number[] = [];
  const load: number[] = [];
  for (let run = 0; run < 5; run++) {
    const out = await mkdtemp(join(tmpdir(), "bench-format-"));
    let t = performance.now();
    await db.save(out);
    save.push(performance.now() - t);
    t = performance.now();
    await Database.load(out);
    load.push(performance.now() - t);
    await rm(out, { recursive: true, force: true });
  }
  console.log(`| ${rows.toLocaleString("en")} segmented rows, 4 columns | median of 5 |`);
  console.log("|---|---|");
  console.log(`| save (db.yaml + CSV) | ${median(save).toFixed(0)} ms |`);
  console.log(`| load | ${median(load).toFixed(0)} ms |`);
}
