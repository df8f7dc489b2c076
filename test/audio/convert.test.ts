import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convertFile } from "../../src/audio/convert.js";
import { convertFiles } from "../../src/audio/convert-files.js";
import { CorruptAudioError, UnsupportedAudioError } from "../../src/audio/errors.js";
import { FlacWriter } from "../../src/audio/flac.js";
import { audioInfo } from "../../src/audio/info.js";
import { openAudioReader } from "../../src/audio/reader.js";
import { WavWriter } from "../../src/audio/wav.js";
import { intSignal, rawWav, tempDir } from "./signals.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const FRAMES = 70_001; // more than one 65,536-frame block

async function writeWav(name: string, ints: Int32Array[], bits: number, rate = 16_000): Promise<string> {
  const file = join(dir, name);
  const w = await WavWriter.create(file, { samplingRate: rate, channels: ints.length, bitDepth: bits });
  await w.writeInt(ints);
  await w.close();
  return file;
}

async function readInts(file: string): Promise<number[][]> {
  const r = await openAudioReader(file);
  const out: number[][] = Array.from({ length: r.channels }, () => []);
  for (let b = await r.readInt(); b; b = await r.readInt()) b.forEach((ch, c) => out[c]!.push(...ch));
  await r.close();
  return out;
}

const noTemps = () => expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

describe("convertFile at the same sampling rate", () => {
  let stereo16: string;
  let ints: Int32Array[];
  beforeAll(async () => {
    ints = intSignal(FRAMES, 2, 16, 11);
    stereo16 = await writeWav("stereo16.wav", ints, 16);
  });

  it("WAV -> FLAC keeps integers exactly", async () => {
    const dest = join(dir, "out.flac");
    await convertFile(stereo16, dest, { format: "flac" });
    expect(await readInts(dest)).toEqual(ints.map((ch) => Array.from(ch)));
    expect(await audioInfo(dest)).toMatchObject({ format: "flac", channels: 2, bitDepth: 16, samplingRate: 16_000, frames: FRAMES });
    noTemps();
  });

  it("selects, reorders and repeats channels exactly", async () => {
    const dest = join(dir, "sel.wav");
    await convertFile(stereo16, dest, { channels: [-1, 0, 3] }); // repeated to [0, 1, 0, 1] first
    expect(await readInts(dest)).toEqual([ints[1]!, ints[0]!, ints[1]!].map((ch) => Array.from(ch)));
  });

  it("mixes down to the mean, within 1 LSB", async () => {
    const dest = join(dir, "mix.flac");
    await convertFile(stereo16, dest, { mixdown: true, format: "flac" });
    const [mono] = await readInts(dest);
    expect(mono).toHaveLength(FRAMES);
    let worst = 0;
    for (let i = 0; i < FRAMES; i++) worst = Math.max(worst, Math.abs(mono![i]! - (ints[0]![i]! + ints[1]![i]!) / 2));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("changes bit depth: 16 -> 24 exact, 24 -> 16 rounded", async () => {
    const up = join(dir, "up24.wav");
    await convertFile(stereo16, up, { bitDepth: 24 });
    expect(await readInts(up)).toEqual(ints.map((ch) => Array.from(ch, (v) => v * 256)));
    const down = join(dir, "down16.flac");
    await convertFile(up, down, { bitDepth: 16, format: "flac" });
    expect(await readInts(down)).toEqual(ints.map((ch) => Array.from(ch)));
  });

  it("copies a file that needs no change", async () => {
    const dest = join(dir, "copy.wav");
    await convertFile(stereo16, dest, { channels: [0, 1], bitDepth: 16, samplingRate: 16_000, format: "wav" });
    expect(readFileSync(dest).equals(readFileSync(stereo16))).toBe(true);
  });

  it("float32 WAV defaults to 32-bit PCM, as audb; float64 needs a bit depth", async () => {
    const f32 = join(dir, "f32.wav");
    writeFileSync(f32, rawWav({ tag: 3, bits: 32, channels: 1, rate: 8000 }, [Float32Array.from([0.5, -0.25, 1.5, -1])]));
    const out = join(dir, "f32-mono.wav");
    await convertFile(f32, out, { channels: [0, 0] });
    expect(await audioInfo(out)).toMatchObject({ bitDepth: 32, channels: 2 });
    expect((await readInts(out))[0]).toEqual([2 ** 30, -(2 ** 29), 2 ** 31 - 1, -(2 ** 31)]);
    const f64 = join(dir, "f64.wav");
    writeFileSync(f64, rawWav({ tag: 3, bits: 64, channels: 1, rate: 8000 }, [Float64Array.from([0.5, -0.25])]));
    await expect(convertFile(f64, join(dir, "f64-out.wav"), { mixdown: true, channels: [0, 0] })).rejects.toThrow(UnsupportedAudioError);
    await convertFile(f64, join(dir, "f64-16.wav"), { bitDepth: 16 });
    expect((await readInts(join(dir, "f64-16.wav")))[0]).toEqual([16384, -8192]);
  });

  it("a float WAV asked to convert is rewritten as PCM even when its samples stay (audb writes with audiofile)", async () => {
    const f32 = join(dir, "f32-same.wav");
    writeFileSync(f32, rawWav({ tag: 3, bits: 32, channels: 1, rate: 8000 }, [Float32Array.from([0.5, -0.25])]));
    const cases: [string, Parameters<typeof convertFile>[2]][] = [["repeat", { channels: [1] }], ["as wav", { format: "wav" }], ["same rate", { samplingRate: 8000 }]];
    for (const [name, options] of cases) {
      const out = join(dir, `f32-${name}.wav`);
      await convertFile(f32, out, options);
      const reader = await openAudioReader(out);
      expect([reader.isInteger, reader.bitDepth, reader.channels], name).toEqual([true, 32, 1]);
      await reader.close();
      expect((await readInts(out))[0], name).toEqual([2 ** 30, -(2 ** 29)]);
    }
  });

  it("refuses 32-bit FLAC and leaves nothing behind", async () => {
    const dest = join(dir, "no.flac");
    await expect(convertFile(stereo16, dest, { bitDepth: 32, format: "flac" })).rejects.toThrow(UnsupportedAudioError);
    expect(existsSync(dest)).toBe(false);
    noTemps();
  });

  it("converts MP3 and Ogg to WAV or FLAC (16 bit unless told, as audb), from libsndfile's decode", async () => {
    const compressed = join(import.meta.dirname, "../fixtures/compressed");
    const cases = [
      ["tone.mp3", { format: "wav", samplingRate: 8000 }, { format: "wav", samplingRate: 8000, channels: 1, bitDepth: 16, frames: 800 }],
      ["variants/sndfile-vorbis-44k-stereo.ogg", { format: "flac", bitDepth: 24, mixdown: true }, { format: "flac", samplingRate: 44_100, channels: 1, bitDepth: 24, frames: 33_957 }],
      ["variants/sndfile-opus-16k-mono.opus", { format: "wav" }, { format: "wav", samplingRate: 16_000, channels: 1, bitDepth: 16, frames: 3360 }],
    ] as const;
    for (const [name, options, want] of cases) {
      const dest = join(dir, `${name.replace("/", "-")}.${options.format}`);
      await convertFile(join(compressed, name), dest, options);
      expect(await audioInfo(dest), name).toMatchObject(want);
    }
    noTemps();
  });

  it("refuses to write MP3 or Ogg (a flavour without a format), naming the file, as audb-python refuses; writes nothing", async () => {
    for (const [name, kind] of [["tone.mp3", "MP3"], ["tone.ogg", "OGG"], ["variants/lame-id3v2.mp3", "MP3"]]) {
      const src = join(import.meta.dirname, "../fixtures/compressed", name!);
      const dest = join(dir, `${name!.replace("/", "-")}`);
      const err = await convertFile(src, dest, { samplingRate: 8000 }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(UnsupportedAudioError);
      expect((err as Error).message, name).toContain(src);
      expect((err as Error).message, name).toContain(`${kind} audio is converted to WAV or FLAC only: give the flavour a format (wav or flac)`);
      expect(existsSync(dest), name).toBe(false);
    }
    noTemps();
  });

  it("names a truncated source and writes nothing", async () => {
    const flac = join(dir, "src.flac");
    const w = await FlacWriter.create(flac, { samplingRate: 16_000, channels: 2, bitDepth: 16 });
    await w.writeInt(ints);
    await w.close();
    const cut = join(dir, "cut.flac");
    writeFileSync(cut, readFileSync(flac).subarray(0, 60_000));
    const dest = join(dir, "cut-out.wav");
    const err = await convertFile(cut, dest, { format: "wav" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptAudioError);
    expect((err as Error).message).toContain(cut);
    expect(existsSync(dest)).toBe(false);
    noTemps();
  });

  it("converts the real 8-bit stereo FSDD recordings to mono 16-bit FLAC", async () => {
    const blobs = join(import.meta.dirname, "../fixtures/fsdd-mini/history/blobs");
    const src = readdirSync(blobs)
      .map((f) => join(blobs, f))
      .find((f) => readFileSync(f).readUInt16LE(22) === 2)!;
    const dest = join(dir, "fsdd.flac");
    await convertFile(src, dest, { mixdown: true, bitDepth: 16, format: "flac" });
    const before = await audioInfo(src);
    expect(await audioInfo(dest)).toEqual({ ...before, format: "flac", channels: 1, bitDepth: 16 });
    const [left, right] = await readInts(src);
    const [mono] = await readInts(dest);
    mono!.forEach((v, i) => expect(v).toBe(((left![i]! + right![i]!) / 2) * 256));
  });
});

describe("convertFiles", () => {
  it("converts on worker threads and rethrows typed errors naming the file", async () => {
    const sources = await Promise.all([1, 2, 3].map((k) => writeWav(`pool${k}.wav`, intSignal(20_000, 2, 16, k), 16)));
    const jobs = sources.map((src, k) => ({ src, dest: join(dir, `pool${k}.flac`), options: { format: "flac" as const, channels: [1] } }));
    const done: string[] = [];
    await convertFiles(jobs, { numWorkers: 2, onDone: (j) => done.push(j.dest) });
    expect(done.sort()).toEqual(jobs.map((j) => j.dest).sort());
    for (const [k, job] of jobs.entries()) expect((await readInts(job.dest))[0]).toEqual(Array.from(intSignal(20_000, 2, 16, k + 1)[1]!));

    const bogus = join(dir, "bogus.wav");
    writeFileSync(bogus, "not audio");
    const err = await convertFiles([...jobs, { src: bogus, dest: join(dir, "bogus.flac") }], { numWorkers: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptAudioError);
    expect((err as CorruptAudioError).file).toBe(bogus);
  });
});

const hasResampler = existsSync(join(import.meta.dirname, "../../src/audio/resample.ts"));

describe.skipIf(!hasResampler)("convertFile with resampling", () => {
  it("48 kHz stereo 24-bit WAV -> 16 kHz mono FLAC keeps a 1 kHz tone and the exact length", async () => {
    const rate = 48_000;
    const n = 100_003;
    const tone = Int32Array.from({ length: n }, (_, i) => Math.round(0.5 * 2 ** 23 * Math.sin((2 * Math.PI * 1000 * i) / rate)));
    const src = await writeWav("tone48.wav", [tone, tone], 24, rate);
    const dest = join(dir, "tone16.flac");
    await convertFile(src, dest, { samplingRate: 16_000, mixdown: true, format: "flac" });
    const info = await audioInfo(dest);
    expect(info).toMatchObject({ samplingRate: 16_000, channels: 1, bitDepth: 24, frames: Math.round((n * 16_000) / rate) });
    const [out] = await readInts(dest);
    let worst = 0;
    for (let i = 200; i < out!.length - 200; i++) {
      const expected = 0.5 * 2 ** 23 * Math.sin((2 * Math.PI * 1000 * i) / 16_000);
      worst = Math.max(worst, Math.abs(out![i]! - expected) / 2 ** 23);
    }
    expect(worst).toBeLessThan(1e-3);
  });
});
