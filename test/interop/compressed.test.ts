// MP3 and Ogg (Vorbis, Opus) media between audb-python and audb-ts: both publish the same
// folder and must write the same dependency rows for them; each loads the other's version
// as 16 kHz WAV and must get the same files, with the same audio (resampled: within -60 dB).
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadToCache, type LoadedFolder } from "../../src/api/load-cache.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import type { Dependencies } from "../../src/core/dependencies.js";
import { Repository } from "../../src/core/repository.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import { interopAvailable, listFiles, runBatch, type AudioComparison, type PyDependency, type PyLoad } from "./batch.js";

const available = await interopAvailable();
const VARIANTS = join(import.meta.dirname, "../fixtures/compressed/variants");
/** Media added to the FSDD folder: table path -> fixture. */
const ADDED: Record<string, string> = {
  "recordings/1_jackson_90.mp3": "lame-vbr.mp3",
  "recordings/1_jackson_91.mp3": "sndfile-44k-stereo.mp3",
  "recordings/1_jackson_92.mp3": "lame-no-xing-id3v2.mp3",
  "recordings/1_jackson_93.ogg": "sndfile-vorbis-44k-stereo.ogg",
  "recordings/1_jackson_94.ogg": "opusenc-22k.ogg",
  "recordings/1_jackson_95.ogg": "sndfile-opus-8k-mono.opus",
};
const FLAVOUR_TS = { samplingRate: 16000, format: "wav" } as const;
const FLAVOUR_PY = { sampling_rate: 16000, format: "wav" };

describe.skipIf(!available.ok)("MP3 and Ogg media between audb-python and audb-ts", () => {
  let work: string;
  let ours: Dependencies;
  let theirs: PyDependency[];
  let tsLoad: LoadedFolder;
  let pyLoad: PyLoad;
  let audio: AudioComparison[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "interop-compressed-"));
    const source = join(work, "src");
    await materialize(MINI_FSDD, "v1.0.10", source);
    for (const [file, fixture] of Object.entries(ADDED)) await cp(join(VARIANTS, fixture), join(source, file));
    await writeFsddDatabase(source);
    const csv = await readFile(join(source, "db.files.csv"), "utf8");
    await writeFile(join(source, "db.files.csv"), csv + Object.keys(ADDED).map((f) => `${f},1,jackson,train\n`).join(""));
    const copy = join(work, "src-py");
    await cp(source, copy, { recursive: true });

    const pyHost = join(work, "py-host");
    const tsHost = join(work, "ts-host");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(pyHost, "py"), { recursive: true }); // audbackend's file system wants the repository folder
    await mkdir(tsHost, { recursive: true });
    ours = await publish(source, "1.0.0", new Repository("ts", tsHost, "file-system"), { checksum: "md5" });
    const [published, loaded] = await runBatch([
      { op: "publish_root", repos: [`py@${pyHost}`], root: copy, version: "1.0.0", cache_root: join(work, "py-cache-publish") },
      { op: "load", repos: [`ts@${tsHost}`], name: "fsdd", version: "1.0.0", cache_root: join(work, "py-cache"), media: "jackson_9", ...FLAVOUR_PY },
    ]);
    theirs = published as PyDependency[];
    pyLoad = loaded as PyLoad;
    configure({ repositories: [new Repository("py", pyHost, "file-system")], cacheRoot: join(work, "ts-cache"), sharedCacheRoot: join(work, "none") });
    tsLoad = await loadToCache("fsdd", { version: "1.0.0", media: "jackson_9", ...FLAVOUR_TS });
    const converted = Object.keys(ADDED).map((f) => f.replace(/\.(mp3|ogg)$/, ".wav"));
    [audio] = (await runBatch([{ op: "compare_audio", pairs: converted.map((f) => [join(pyLoad.root, f), join(tsLoad.folder, f)]) }])) as [AudioComparison[]];
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("both publish the same dependency rows for them (rate, channels, duration, bit depth 0, format, checksum)", () => {
    for (const file of Object.keys(ADDED)) {
      const py = theirs.find((d) => d.file === file)!;
      const row = ours.get(file);
      expect(py, file).toBeDefined();
      expect(
        { bit_depth: row.bitDepth, channels: row.channels, duration: row.duration, format: row.format, sampling_rate: row.samplingRate, checksum: row.checksum, archive: row.archive },
        file,
      ).toEqual({ bit_depth: py.bit_depth, channels: py.channels, duration: py.duration, format: py.format, sampling_rate: py.sampling_rate, checksum: py.checksum, archive: py.archive });
      expect(py.sampling_rate, file).toBeGreaterThan(0);
    }
  });

  test("loaded as 16 kHz WAV, each side's folder holds the same files", () => {
    const pick = (files: Record<string, string>) => Object.keys(files).filter((f) => f.startsWith("recordings/")).sort();
    expect(pick(listFiles(tsLoad.folder))).toEqual(pick(pyLoad.files));
    expect(pick(pyLoad.files)).toEqual(Object.keys(ADDED).map((f) => f.replace(/\.(mp3|ogg)$/, ".wav")).sort());
  });

  test("and the same audio: 16 kHz, 16 bit, the same channels and frames, differences below -60 dB", () => {
    expect(audio).toHaveLength(Object.keys(ADDED).length);
    for (const cmp of audio) {
      const what = JSON.stringify(cmp);
      expect(cmp.other, what).toEqual(cmp.reference);
      expect(cmp.reference.sampling_rate, what).toBe(16000);
      expect(cmp.reference.bit_depth, what).toBe(16);
      expect(cmp.diff_db!, what).toBeLessThan(-60);
    }
  });
});
