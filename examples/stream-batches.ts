/**
 * A training-style loop over FSDD with `stream`: shuffled batches of 8 rows, each batch's
 * media resampled to 16 kHz and in the cache when it arrives (docs/loading.md, Streaming).
 *
 *   npx tsx examples/stream-batches.ts [fsdd-folder]
 */
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { audio, configure, Repository, stream } from "../src/index.js";
import { defaultFsddFolder, publishFsdd } from "./fsdd-publish.js";

const work = await mkdtemp(join(tmpdir(), "audb-stream-"));
await mkdir(join(work, "repo"));
const repository = new Repository("data", join(work, "repo"), "file-system");
configure({ repositories: [repository], cacheRoot: join(work, "cache") });
await publishFsdd(resolve(process.argv[2] ?? defaultFsddFolder()), repository, join(work, "fsdd"));

let batches = 0;
let rows = 0;
let seconds = 0;
for await (const batch of stream("fsdd", "files", { batchSize: 8, shuffle: true, seed: 1, samplingRate: 16000 })) {
  const paths = batch.index.level("file").values as string[]; // absolute, in the 16 kHz flavour folder
  const digits = batch.column("digit").toArray();
  for (const path of paths) {
    const info = await audio.audioInfo(path);
    if (info.samplingRate !== 16000) throw new Error(`${path}: ${info.samplingRate} Hz`);
    seconds += info.duration;
  }
  if (batches === 0) console.log(`first batch: digits ${digits.join(", ")}`);
  batches++;
  rows += batch.length;
}
console.log(`${batches} batches, ${rows} rows, ${seconds.toFixed(1)} s of 16 kHz audio`);
