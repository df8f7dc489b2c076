import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CorruptAudioError, UnsupportedAudioError } from "../../src/audio/errors.js";
import { FlacReader, FlacWriter } from "../../src/audio/flac.js";
import { loadLibFlac } from "../../src/audio/libflac.js";
import { audioInfo } from "../../src/audio/info.js";
import { WavWriter } from "../../src/audio/wav.js";
import { intSignal, tempDir, toFloat } from "./signals.js";
import { hasSox } from "../helpers/commands.js";

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const FRAMES = 20_011;

async function writeFlac(file: string, ints: Int32Array[], bits: number, rate = 16_000): Promise<void> {
  const w = await FlacWriter.create(file, { samplingRate: rate, channels: ints.length, bitDepth: bits });
  for (let s = 0; s < ints[0]!.length; s += 7000) await w.writeInt(ints.map((ch) => ch.subarray(s, s + 7000)));
  await w.close();
}

async function readAll(file: string, asInt: boolean, blockFrames = 3000): Promise<number[][]> {
  const r = await FlacReader.open(file);
  const out: number[][] = Array.from({ length: r.channels }, () => []);
  try {
    for (;;) {
      const b = asInt ? await r.readInt(blockFrames) : await r.read(blockFrames);
      if (!b) break;
      expect(b[0]!.length).toBeLessThanOrEqual(blockFrames);
      b.forEach((ch, c) => out[c]!.push(...ch));
    }
  } finally {
    await r.close();
  }
  return out;
}

describe("FLAC round trip", () => {
  for (const bits of [8, 16, 24]) {
    for (const channels of [1, 2]) {
      it(`${bits} bit, ${channels} ch: integers exact, floats within 1 LSB, header right`, async () => {
        const ints = intSignal(FRAMES, channels, bits, bits + channels);
        const file = join(dir, `rt-${bits}-${channels}.flac`);
        await writeFlac(file, ints, bits);
        expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
        const got = await readAll(file, true);
        got.forEach((ch, c) => expect(ch).toEqual(Array.from(ints[c]!)));
        const floats = await readAll(file, false);
        const expected = toFloat(ints, bits);
        const lsb = 1 / 2 ** (bits - 1);
        floats.forEach((ch, c) => expect(Math.max(...ch.map((v, i) => Math.abs(v - expected[c]![i]!)))).toBeLessThanOrEqual(lsb));
        expect(await audioInfo(file)).toEqual({ format: "flac", samplingRate: 16_000, channels, bitDepth: bits, frames: FRAMES, duration: FRAMES / 16_000 });
      });
    }
  }

  it("audioInfo counts frames when STREAMINFO leaves the sample count at 0", async () => {
    const file = join(dir, "unknown-length.flac");
    await writeFlac(file, intSignal(12_345, 1, 16), 16);
    const bytes = readFileSync(file);
    bytes[8 + 13] = bytes[8 + 13]! & 0xf0;
    bytes.writeUInt32BE(0, 8 + 14);
    writeFileSync(file, bytes);
    expect(await audioInfo(file)).toMatchObject({ frames: 12_345, duration: 12_345 / 16_000 });
  });

  it("reports 20-bit FLAC in audioInfo (container 24) but refuses to decode it", async () => {
    const flac = await loadLibFlac();
    const ints = intSignal(5000, 1, 20, 9);
    const encoder = flac.create_libflac_encoder(16_000, 1, 20, 5, ints[0]!.length, false, 0);
    const chunks: Uint8Array[] = [];
    expect(flac.init_encoder_stream(encoder, (data) => chunks.push(data), () => undefined)).toBe(0);
    expect(flac.FLAC__stream_encoder_process(encoder, ints, ints[0]!.length)).toBeTruthy();
    flac.FLAC__stream_encoder_finish(encoder);
    flac.FLAC__stream_encoder_delete(encoder);
    const file = join(dir, "twenty.flac");
    writeFileSync(file, Buffer.concat(chunks));
    expect(await audioInfo(file)).toMatchObject({ bitDepth: 24, frames: 5000 });
    await expect(FlacReader.open(file)).rejects.toThrow(/twenty\.flac.*20-bit/);
  });

  it("encodes floats with rounding and clipping", async () => {
    const file = join(dir, "clip.flac");
    const w = await FlacWriter.create(file, { samplingRate: 8000, channels: 1, bitDepth: 16 });
    await w.write([Float32Array.from([1.5, -1.5, 0.25, -0.25, 1 / 65536])]);
    await w.close();
    expect((await readAll(file, true))[0]).toEqual([32767, -32768, 8192, -8192, 1]);
  });

  it("rejects 32-bit and more than 8 channels, leaving nothing behind", async () => {
    await expect(FlacWriter.create(join(dir, "x.flac"), { samplingRate: 8000, channels: 1, bitDepth: 32 })).rejects.toThrow(UnsupportedAudioError);
    await expect(FlacWriter.create(join(dir, "x.flac"), { samplingRate: 8000, channels: 9, bitDepth: 16 })).rejects.toThrow(/at most 8/);
    expect(readdirSync(dir).filter((f) => f.startsWith("x.") || f.startsWith(".x."))).toEqual([]);
  });
});

describe("FLAC errors name the file", () => {
  let good: Buffer;
  beforeAll(async () => {
    const file = join(dir, "good.flac");
    await writeFlac(file, intSignal(FRAMES, 2, 16), 16);
    good = readFileSync(file);
  });

  it("truncated", async () => {
    const file = join(dir, "trunc.flac");
    writeFileSync(file, good.subarray(0, Math.floor(good.length / 2)));
    await expect(readAll(file, true)).rejects.toThrow(CorruptAudioError);
    await expect(readAll(file, true)).rejects.toThrow(/trunc\.flac.*truncated/);
  });

  it("corrupt frames", async () => {
    const bad = Buffer.from(good);
    for (let i = 2000; i < bad.length - 100; i += 997) bad[i] = bad[i]! ^ 0x5a;
    const file = join(dir, "corrupt.flac");
    writeFileSync(file, bad);
    const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      await expect(readAll(file, true)).rejects.toThrow(CorruptAudioError);
    } finally {
      quiet.mockRestore();
    }
  });

  it("not FLAC", async () => {
    const file = join(dir, "fake.flac");
    writeFileSync(file, Buffer.from("fLaC but then nothing sensible follows here at all....."));
    await expect(FlacReader.open(file)).rejects.toThrow(/fake\.flac/);
    await expect(audioInfo(file)).rejects.toThrow(CorruptAudioError);
  });
});

describe.skipIf(!hasSox)("FLAC agrees with sox", () => {
  it("decodes FLAC encoded by sox (libFLAC) exactly, and sox reads ours", async () => {
    for (const [bits, channels] of [
      [16, 2],
      [24, 1],
    ] as const) {
      const ints = intSignal(9000, channels, bits, 5);
      const wav = join(dir, `sox-src-${bits}.wav`);
      const w = await WavWriter.create(wav, { samplingRate: 22_050, channels, bitDepth: bits });
      await w.writeInt(ints);
      await w.close();
      const soxFlac = join(dir, `sox-${bits}.flac`);
      execFileSync("sox", [wav, soxFlac]);
      const got = await readAll(soxFlac, true);
      got.forEach((ch, c) => expect(ch).toEqual(Array.from(ints[c]!)));
      const info = await audioInfo(soxFlac);
      expect([info.samplingRate, info.channels, info.bitDepth, info.frames]).toEqual([22_050, channels, bits, 9000]);

      const ours = join(dir, `ours-${bits}.flac`);
      await writeFlac(ours, ints, bits, 22_050);
      const raw = execFileSync("sox", [ours, "-t", "raw", "-e", "signed", "-b", "32", "-L", "-"]);
      const decoded = new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
      expect(decoded.length).toBe(9000 * channels);
      for (let i = 0; i < 9000; i++) for (let c = 0; c < channels; c++) expect(decoded[i * channels + c]! >> (32 - bits)).toBe(ints[c]![i]);
      expect(Number(execFileSync("sox", ["--i", "-s", ours]).toString())).toBe(9000);
    }
  });
});
