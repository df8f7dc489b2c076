// Checksum throughput (xxh64, md5; one thread and all cores) next to raw read speed,
// over 10,000 one-second 16 kHz 16-bit mono WAVs generated once under .cache/bench/.
import * as fs from "node:fs/promises";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { checksumFiles } from "../src/core/checksum.js";

const FILE_COUNT = 10_000;
const SAMPLING_RATE = 16_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const folder = path.join(here, "..", ".cache", "bench", `checksum-wavs-${FILE_COUNT}`);

function wav(seed: number): Buffer {
  const dataBytes = SAMPLING_RATE * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write("RIFF", 0, "ascii");
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write("WAVEfmt ", 8, "ascii");
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(SAMPLING_RATE, 24);
  buf.writeUInt32LE(SAMPLING_RATE * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write("data", 36, "ascii");
  buf.writeUInt32LE(dataBytes, 40);
  const freq = 100 + (seed % 900);
  for (let i = 0; i < SAMPLING_RATE; i++) {
    buf.writeInt16LE(Math.round(12_000 * Math.sin((2 * Math.PI * freq * i) / SAMPLING_RATE)), 44 + 2 * i);
  }
  return buf;
}

async function generatedFiles(): Promise<string[]> {
  const files = Array.from({ length: FILE_COUNT }, (_, i) => path.join(folder, String(Math.floor(i / 1000)), `${i}.wav`));
  const marker = path.join(folder, ".complete");
  if (
    !(await fs
      .access(marker)
      .then(() => true)
      .catch(() => false))
  ) {
    for (let i = 0; i < FILE_COUNT; i++) {
      await fs.mkdir(path.dirname(files[i]!), { recursive: true });
      await fs.writeFile(files[i]!, wav(i));
    }
    await fs.writeFile(marker, "");
  }
  return files;
}

async function readAll(files: string[]): Promise<void> {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (const file of files) {
    const handle = await fs.open(file, "r");
    try {
      while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
    } finally {
      await handle.close();
    }
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

export default async function bench(): Promise<void> {
  const files = await generatedFiles();
  let bytes = 0;
  for (const f of files) bytes += (await fs.stat(f)).size;
  const mb = bytes / 1e6;
  const cores = availableParallelism();
  await readAll(files); // warm the page cache so every row reads from memory

  const rows: Array<[string, string, number]> = [];
  rows.push(["raw read (1 MiB reads)", "1", await timed(() => readAll(files))]);
  for (const algorithm of ["xxh64", "md5"] as const) {
    rows.push([algorithm, "1", await timed(() => checksumFiles(files, { algorithm, numWorkers: 1 }))]);
    rows.push([algorithm, String(cores), await timed(() => checksumFiles(files, { algorithm, numWorkers: cores }))]);
  }

  console.log(`${FILE_COUNT} WAVs (1 s, 16 kHz, 16-bit), ${mb.toFixed(1)} MB total, page cache warm, ${cores} cores\n`);
  console.log("| task | threads | seconds | MB/s | files/s |");
  console.log("|---|---:|---:|---:|---:|");
  for (const [task, threads, seconds] of rows) {
    console.log(`| ${task} | ${threads} | ${seconds.toFixed(2)} | ${(mb / seconds).toFixed(0)} | ${(FILE_COUNT / seconds).toFixed(0)} |`);
  }
}
