import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorruptAudioError, UnsupportedAudioError } from "../../src/audio/errors.js";
import { WavReader, WavWriter } from "../../src/audio/wav.js";
import { intSignal, rawWav, tempDir, toFloat, type RawWavSpec } from "./signals.js";
import { hasSox } from "../helpers/commands.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const FRAMES = 5_003;

async function readAll(file: string, blockFrames: number, asInt = false): Promise<ArrayLike<number>[][]> {
  const reader = await WavReader.open(file);
  const blocks: ArrayLike<number>[][] = [];
  try {
    for (;;) {
      const b = asInt ? await reader.readInt(blockFrames) : await reader.read(blockFrames);
      if (!b) break;
      blocks.push(b);
    }
  } finally {
    await reader.close();
  }
  return blocks;
}

function concat(blocks: ArrayLike<number>[][], channels: number): number[][] {
  return Array.from({ length: channels }, (_, c) => blocks.flatMap((b) => Array.from(b[c]!)));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const pcmVariants: RawWavSpec[] = [8, 16, 24, 32].flatMap((bits) =>
  [1, 2, 3].flatMap((channels) =>
    [false, true].map((extensible) => ({ tag: 1 as const, bits, channels, rate: 16_000, extensible })),
  ),
);
const floatVariants: RawWavSpec[] = [32, 64].flatMap((bits) =>
  [1, 2, 3].flatMap((channels) =>
    [false, true].map((extensible) => ({ tag: 3 as const, bits, channels, rate: 44_100, extensible })),
  ),
);

describe("WavReader decodes every PCM variant exactly", () => {
  for (const spec of pcmVariants) {
    it(`PCM ${spec.bits} bit, ${spec.channels} ch${spec.extensible ? ", EXTENSIBLE" : ""}`, async () => {
      const ints = intSignal(FRAMES, spec.channels, spec.bits);
      const file = join(dir, `pcm${spec.bits}-${spec.channels}-${spec.extensible}.wav`);
      writeFileSync(file, rawWav(spec, ints));
      const reader = await WavReader.open(file);
      expect([reader.samplingRate, reader.channels, reader.bitDepth, reader.frames]).toEqual([spec.rate, spec.channels, spec.bits, FRAMES]);
      await reader.close();
      const asInt = concat(await readAll(file, 999, true), spec.channels);
      asInt.forEach((ch, c) => expect(ch).toEqual(Array.from(ints[c]!)));
      const asFloat = concat(await readAll(file, 1000), spec.channels);
      const lsb = 1 / 2 ** (spec.bits - 1);
      const expected = toFloat(ints, spec.bits);
      asFloat.forEach((ch, c) => expect(maxAbsDiff(ch, expected[c]!)).toBeLessThanOrEqual(spec.bits <= 24 ? 0 : lsb * 2 ** 8));
    });
  }
});

describe("WavReader decodes float variants", () => {
  for (const spec of floatVariants) {
    it(`float ${spec.bits} bit, ${spec.channels} ch${spec.extensible ? ", EXTENSIBLE" : ""}`, async () => {
      const values = toFloat(intSignal(FRAMES, spec.channels, 24), 24).map((ch) => ch.map((v) => v * 0.999));
      const file = join(dir, `float${spec.bits}-${spec.channels}-${spec.extensible}.wav`);
      writeFileSync(file, rawWav(spec, values));
      const got = concat(await readAll(file, 4096), spec.channels);
      got.forEach((ch, c) => expect(maxAbsDiff(ch, Float32Array.from(values[c]!))).toBe(0));
      const reader = await WavReader.open(file);
      expect(reader.bitDepth).toBe(spec.bits);
      await expect(reader.readInt()).rejects.toThrow(UnsupportedAudioError);
      await reader.close();
    });
  }
});

describe("WavReader walks chunks", () => {
  it("skips fact, odd-sized LIST (pad byte) and trailing chunks, drops a partial last frame", async () => {
    const ints = intSignal(777, 2, 24);
    const spec: RawWavSpec = {
      tag: 1,
      bits: 24,
      channels: 2,
      rate: 22_050,
      extraChunks: [
        { id: "fact", body: Buffer.from([9, 3, 0, 0]) },
        { id: "LIST", body: Buffer.from("INFOISFT\x05\x00\x00\x00odd!!", "latin1") },
      ],
      trailingChunks: [{ id: "LIST", body: Buffer.from("abc", "latin1") }],
      partialFrameBytes: 5,
    };
    const file = join(dir, "chunks.wav");
    writeFileSync(file, rawWav(spec, ints));
    const got = concat(await readAll(file, 100, true), 2);
    expect(got[0]).toEqual(Array.from(ints[0]!));
    expect(got[1]).toEqual(Array.from(ints[1]!));
  });

  it("finds the data chunk beyond the first read", async () => {
    const ints = intSignal(50, 1, 16);
    const file = join(dir, "late-data.wav");
    writeFileSync(file, rawWav({ tag: 1, bits: 16, channels: 1, rate: 8000, extraChunks: [{ id: "junk", body: Buffer.alloc(100_001) }] }, ints));
    expect(concat(await readAll(file, 64, true), 1)[0]).toEqual(Array.from(ints[0]!));
  });
});

describe("WAVs whose sizes do not match the file, read as libsndfile (and so audb-python) reads them", () => {
  const ints = intSignal(1000, 2, 16);
  const whole = () => rawWav({ tag: 1, bits: 16, channels: 2, rate: 8000 }, ints);
  const dataAt = (b: Buffer) => b.indexOf("data", 12, "latin1");

  async function frames(name: string, bytes: Buffer): Promise<number[]> {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const reader = await WavReader.open(file);
    const count = reader.frames;
    await reader.close();
    const got = concat(await readAll(file, 128, true), 2);
    expect(got[0]!.length, name).toBe(count);
    expect(got[0], name).toEqual(Array.from(ints[0]!).slice(0, count));
    expect(got[1], name).toEqual(Array.from(ints[1]!).slice(0, count));
    return [count];
  }

  it("a cut file holds the whole frames that are there (libsndfile: the bytes after the data header, over the block align)", async () => {
    const b = whole();
    const start = dataAt(b) + 8;
    expect(await frames("cut.wav", b.subarray(0, start + 601 * 4 + 3))).toEqual([601]);
    expect(await frames("cut-header.wav", b.subarray(0, start))).toEqual([0]);
  });

  it("RIFF and data sizes of 0xFFFFFFFF (a streamed or unfinished file): the data runs to the end of the file", async () => {
    const b = whole();
    b.writeUInt32LE(0xffffffff, 4);
    expect(await frames("riff-ffff.wav", Buffer.from(b))).toEqual([1000]);
    b.writeUInt32LE(0xffffffff, dataAt(b) + 4);
    expect(await frames("both-ffff.wav", b)).toEqual([1000]);
  });

  it("a data size of 0 holds no frames, as in libsndfile", async () => {
    const b = whole();
    b.writeUInt32LE(0, dataAt(b) + 4);
    expect(await frames("data-0.wav", b)).toEqual([0]);
  });
});

describe("WavReader errors name the file", () => {
  const good = () => rawWav({ tag: 1, bits: 16, channels: 2, rate: 8000 }, intSignal(1000, 2, 16));

  async function expectError(name: string, bytes: Buffer, type: typeof CorruptAudioError | typeof UnsupportedAudioError, pattern: RegExp) {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    const err = await WavReader.open(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(pattern);
  }

  it("RF64", () => {
    const b = good();
    b.write("RF64", 0, "latin1");
    return expectError("rf64.wav", b, UnsupportedAudioError, /RF64/);
  });
  it("not a WAV file", () => expectError("text.wav", Buffer.from("hello, this is not audio at all"), CorruptAudioError, /not a WAV/));
  it("empty file", () => expectError("empty.wav", Buffer.alloc(0), CorruptAudioError, /not a WAV/));
  it("compressed format tag", () => {
    const b = good();
    b.writeUInt16LE(0x0002, 20);
    return expectError("adpcm.wav", b, UnsupportedAudioError, /0x0002/);
  });
  it("no data chunk", () => expectError("nodata.wav", good().subarray(0, 36), CorruptAudioError, /no 'data'/));
  it("missing file", async () => {
    await expect(WavReader.open(join(dir, "absent.wav"))).rejects.toThrow(CorruptAudioError);
  });
});

describe("WavWriter", () => {
  const cases = [
    { bits: 8, channels: 2, tag: 1 },
    { bits: 16, channels: 1, tag: 1 },
    { bits: 16, channels: 2, tag: 1 },
    { bits: 16, channels: 3, tag: 0xfffe },
    { bits: 24, channels: 1, tag: 0xfffe },
    { bits: 32, channels: 2, tag: 0xfffe },
  ];
  for (const { bits, channels, tag } of cases) {
    it(`round-trips ${bits}-bit ${channels} ch integers exactly, format tag 0x${tag.toString(16)}`, async () => {
      const ints = intSignal(FRAMES, channels, bits, 7);
      const file = join(dir, `rt-${bits}-${channels}.wav`);
      const writer = await WavWriter.create(file, { samplingRate: 48_000, channels, bitDepth: bits });
      for (let start = 0; start < FRAMES; start += 1234) await writer.writeInt(ints.map((ch) => ch.subarray(start, start + 1234)));
      expect(() => statSync(file)).toThrow();
      await writer.close();
      const bytes = readFileSync(file);
      expect(bytes.readUInt16LE(20)).toBe(tag);
      expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      const got = concat(await readAll(file, 4000, true), channels);
      got.forEach((ch, c) => expect(ch).toEqual(Array.from(ints[c]!)));
      if (bits <= 24) {
        // float path: write(floats) must give the same integers
        const file2 = join(dir, `rt-float-${bits}-${channels}.wav`);
        const w2 = await WavWriter.create(file2, { samplingRate: 48_000, channels, bitDepth: bits });
        await w2.write(toFloat(ints, bits).map((ch) => Float32Array.from(ch)));
        await w2.close();
        expect(readFileSync(file2).equals(bytes)).toBe(true);
      }
    });
  }

  it("writes float 32 and 64 with a fact chunk, read back exactly", async () => {
    for (const bits of [32, 64]) {
      const values = toFloat(intSignal(1001, 2, 24), 24).map((ch) => Float32Array.from(ch));
      const file = join(dir, `float-out-${bits}.wav`);
      const w = await WavWriter.create(file, { samplingRate: 16_000, channels: 2, bitDepth: bits, float: true });
      await w.write(values);
      await w.close();
      const bytes = readFileSync(file);
      expect(bytes.readUInt16LE(20)).toBe(3);
      const got = concat(await readAll(file, 300), 2);
      got.forEach((ch, c) => expect(maxAbsDiff(ch, values[c]!)).toBe(0));
    }
  });

  it("clips floats outside [-1, 1) and pads an odd data chunk", async () => {
    const file = join(dir, "clip.wav");
    const w = await WavWriter.create(file, { samplingRate: 8000, channels: 1, bitDepth: 8 });
    await w.write([Float32Array.from([2, -2, 0.5, -0.5, 1])]);
    await w.close();
    const bytes = readFileSync(file);
    expect(bytes.length % 2).toBe(0);
    expect(bytes.readUInt32LE(40)).toBe(5);
    expect(concat(await readAll(file, 10, true), 1)[0]).toEqual([127, -128, 64, -64, 127]);
  });

  it("abort leaves nothing behind", async () => {
    const file = join(dir, "aborted.wav");
    const w = await WavWriter.create(file, { samplingRate: 8000, channels: 1, bitDepth: 16 });
    await w.write([new Float32Array(100)]);
    await w.abort();
    expect(readdirSync(dir).filter((f) => f.includes("aborted"))).toEqual([]);
  });

  it("rejects bit depths audb cannot write", async () => {
    await expect(WavWriter.create(join(dir, "x.wav"), { samplingRate: 8000, channels: 1, bitDepth: 12 })).rejects.toThrow(UnsupportedAudioError);
  });
});

describe.skipIf(!hasSox)("agrees with sox", () => {
  it("decodes the 8-bit stereo FSDD recordings as sox does", async () => {
    const blobs = join(import.meta.dirname, "../fixtures/fsdd-mini/history/blobs");
    const eightBit = readdirSync(blobs).filter((f) => readFileSync(join(blobs, f)).readUInt16LE(34) === 8);
    expect(eightBit.length).toBeGreaterThan(0);
    for (const f of eightBit) {
      const raw = execFileSync("sox", [join(blobs, f), "-t", "raw", "-e", "signed", "-b", "16", "-L", "-"]);
      const sox = new Int16Array(raw.buffer, raw.byteOffset, raw.length / 2);
      const ours = concat(await readAll(join(blobs, f), 512, true), 2);
      expect(ours[0]!.length * 2).toBe(sox.length);
      for (let i = 0; i < ours[0]!.length; i += 7) {
        expect(ours[0]![i]! * 256).toBe(sox[2 * i]);
        expect(ours[1]![i]! * 256).toBe(sox[2 * i + 1]);
      }
    }
  });

  it("reads what WavWriter writes as sox does", async () => {
    for (const [bits, channels] of [
      [24, 3],
      [32, 2],
    ] as const) {
      const ints = intSignal(2000, channels, bits, 3);
      const file = join(dir, `sox-${bits}-${channels}.wav`);
      const w = await WavWriter.create(file, { samplingRate: 32_000, channels, bitDepth: bits });
      await w.writeInt(ints);
      await w.close();
      const raw = execFileSync("sox", [file, "-t", "raw", "-e", "signed", "-b", "32", "-L", "-"]);
      const sox = new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
      for (let i = 0; i < 2000; i++) for (let c = 0; c < channels; c++) expect(sox[i * channels + c]! >> (32 - bits)).toBe(ints[c]![i]);
    }
  });
});
