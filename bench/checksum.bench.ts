// Checksum throughput (xxh64, md5; one thread and all cores, workers forced on for the
// latter) next to raw read speed, over the shared bench WAVs (bench/fixtures.ts).
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { checksumFiles } from "../src/core/checksum.js";
import { FILE_COUNT, benchDatabase, readAll, timed, totalMB } from "./fixtures.js";

export default async function bench(): Promise<void> {
  const { root, files: relative } = await benchDatabase(FILE_COUNT);
  const files = relative.map((f) => path.join(root, f));
  const mb = await totalMB(files);
  const cores = availableParallelism();
  await readAll(files); // warm the page cache so every row reads from memory

  const rows: Array<[string, string, number]> = [];
  rows.push(["raw read (1 MiB reads)", "1", await timed(() => readAll(files))]);
  for (const algorithm of ["xxh64", "md5"] as const) {
    rows.push([algorithm, "1 (16 reads in flight)", await timed(() => checksumFiles(files, { algorithm, numWorkers: 1 }))]);
    rows.push([algorithm, `${cores} workers`, await timed(() => checksumFiles(files, { algorithm, numWorkers: cores, useWorkers: true }))]);
  }

  console.log(`${FILE_COUNT} WAVs (1 s, 16 kHz, 16-bit), ${mb.toFixed(1)} MB total, page cache warm, ${cores} cores\n`);
  console.log("| task | threads | seconds | MB/s | files/s |");
  console.log("|---|---|---:|---:|---:|");
  for (const [task, threads, seconds] of rows) {
    console.log(`| ${task} | ${threads} | ${seconds.toFixed(2)} | ${(mb / seconds).toFixed(0)} | ${(FILE_COUNT / seconds).toFixed(0)} |`);
  }
}
