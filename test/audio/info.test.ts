import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptAudioError, UnsupportedAudioError } from "../../src/audio/errors.js";
import { audioInfo, audioInfoFromBytes } from "../../src/audio/info.js";
import { WavReader } from "../../src/audio/wav.js";
import { intSignal, rawWav, tempDir, toFloat } from "./signals.js";
import { hasSox } from "../helpers/commands.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const fixtures = join(import.meta.dirname, "../fixtures/fsdd-mini");
const fsddFiles = [
  ...readdirSync(join(fixtures, "recordings")).map((f) => join(fixtures, "recordings", f)),
  ...readdirSync(join(fixtures, "history/blobs")).map((f) => join(fixtures, "history/blobs", f)),
];

async function countFrames(file: string): Promise<number> {
  const reader = await WavReader.open(file);
  let n = 0;
  for (let b = await reader.read(); b; b = await reader.read()) n += b[0]!.length;
  await reader.close();
  return n;
}

describe("audioInfo of WAV", () => {
  it("reads generated variants", async () => {
    const variants = [
      { tag: 1 as const, bits: 8, channels: 2, rate: 8000 },
      { tag: 1 as const, bits: 16, channels: 1, rate: 16_000 },
      { tag: 1 as const, bits: 24, channels: 6, rate: 48_000, extensible: true },
      { tag: 1 as const, bits: 32, channels: 2, rate: 44_100, extensible: true },
      { tag: 3 as const, bits: 32, channels: 1, rate: 22_050 },
      { tag: 3 as const, bits: 64, channels: 2, rate: 96_000, extensible: true },
    ];
    for (const [i, v] of variants.entries()) {
      const frames = 1000 + 37 * i;
      const ints = intSignal(frames, v.channels, v.tag === 1 ? v.bits : 16);
      const file = join(dir, `v${i}.wav`);
      writeFileSync(file, rawWav({ ...v, partialFrameBytes: i % 2, trailingChunks: [{ id: "LIST", body: Buffer.alloc(3) }] }, v.tag === 1 ? ints : toFloat(ints, 16)));
      expect(await audioInfo(file)).toEqual({ format: "wav", samplingRate: v.rate, channels: v.channels, bitDepth: v.bits, frames, duration: frames / v.rate });
    }
  });

  it("matches the FSDD recordings (16-bit mono and 8-bit stereo) decoded in full", async () => {
    const infos = await Promise.all(fsddFiles.map(audioInfo));
    expect(new Set(infos.map((i) => `${i.channels}/${i.bitDepth}`))).toEqual(new Set(["1/16", "2/8"]));
    for (const [k, file] of fsddFiles.entries()) {
      const info = infos[k]!;
      expect(info.samplingRate).toBe(8000);
      expect(info.frames).toBe(await countFrames(file));
      expect(info.duration).toBe(info.frames / 8000);
    }
  });

  it.skipIf(!hasSox)("agrees with sox --i", async () => {
    for (const file of fsddFiles.slice(0, 5).concat(fsddFiles.slice(-13))) {
      const info = await audioInfo(file);
      const sox = (flag: string) => Number(execFileSync("sox", ["--i", flag, file]).toString().trim());
      expect([info.samplingRate, info.channels, info.bitDepth, info.frames]).toEqual([sox("-r"), sox("-c"), sox("-b"), sox("-s")]);
    }
  });

  it.skipIf(!existsSync("/work/shared/datasets/fsdd"))("reads headers of the full FSDD dataset", async () => {
    const root = "/work/shared/datasets/fsdd";
    const wavs = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".wav")).slice(0, 500);
    const infos = await Promise.all(wavs.map((f) => audioInfo(join(root, f))));
    expect(infos.every((i) => i.samplingRate === 8000)).toBe(true);
  });
});

describe("audioInfo errors name the file", () => {
  it("non-audio", async () => {
    const file = join(dir, "notes.txt");
    writeFileSync(file, "just text");
    await expect(audioInfo(file)).rejects.toThrow(CorruptAudioError);
    await expect(audioInfo(file)).rejects.toThrow(file);
  });
  it("missing", async () => {
    await expect(audioInfo(join(dir, "nope.wav"))).rejects.toThrow(/nope\.wav/);
  });
  it("RF64", async () => {
    const b = rawWav({ tag: 1, bits: 16, channels: 1, rate: 8000 }, intSignal(10, 1, 16));
    b.write("RF64", 0, "latin1");
    const file = join(dir, "rf64.wav");
    writeFileSync(file, b);
    await expect(audioInfo(file)).rejects.toThrow(UnsupportedAudioError);
  });
  it("truncated: the whole frames that are there, as libsndfile (and so audb-python) counts them", async () => {
    const file = join(dir, "short.wav");
    const bytes = rawWav({ tag: 1, bits: 16, channels: 1, rate: 8000 }, intSignal(100, 1, 16));
    writeFileSync(file, bytes.subarray(0, bytes.indexOf("data", 12, "latin1") + 8 + 57));
    expect(await audioInfo(file)).toMatchObject({ channels: 1, samplingRate: 8000, bitDepth: 16, duration: 28 / 8000 });
  });
});

describe("audioInfoFromBytes", () => {
  it("equals audioInfo on real FSDD files (16-bit mono and 8-bit stereo)", async () => {
    const dirs = ["test/fixtures/fsdd-mini/recordings", "test/fixtures/fsdd-mini/history/blobs"];
    for (const dir of dirs) {
      for (const name of readdirSync(dir).slice(0, 6)) {
        const path = join(dir, name);
        expect(await audioInfoFromBytes(name, readFileSync(path))).toEqual(await audioInfo(path));
      }
    }
    await expect(audioInfoFromBytes("x.wav", Buffer.from("RIFF...."))).rejects.toThrow(/x\.wav/);
  });
});
