// MP3 and Ogg (Vorbis, Opus) decoded as libsndfile decodes them for audiofile.read, and so
// for audb-python's flavours: the same frames, channels and rate, samples within 1e-4
// (libmpg123, libvorbis and libopus builds differ in their float rounding).
// Reference: test/fixtures/compressed/decoded.json, from generate.sh.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CompressedReader } from "../../src/audio/compressed-reader.js";
import { openAudioReader } from "../../src/audio/reader.js";

const fixtures = join(import.meta.dirname, "../fixtures/compressed");
type Decoded = { frames: number; channels: number; samplingRate: number; at: number[]; samples: number[][]; rms: number[] };
const decoded = JSON.parse(readFileSync(join(fixtures, "decoded.json"), "utf8")) as Record<string, Decoded>;

async function decodeAll(file: string, block: number): Promise<{ rate: number; channels: Float32Array[] }> {
  const reader = await openAudioReader(file);
  const parts: Float32Array[][] = [];
  try {
    for (let b = await reader.read(block); b; b = await reader.read(block)) parts.push(b);
  } finally {
    await reader.close();
  }
  const channels = Array.from({ length: reader.channels }, (_, c) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[c]!.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p[c]!, at);
      at += p[c]!.length;
    }
    return out;
  });
  return { rate: reader.samplingRate, channels };
}

const rms = (x: Float32Array) => (x.length === 0 ? 0 : Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length));

describe("MP3 and Ogg decode as libsndfile decodes them", () => {
  const readBytes = CompressedReader.readBytes;
  afterEach(() => {
    CompressedReader.readBytes = readBytes;
  });

  it("has a reference for every variant libsndfile reads", () => {
    expect(Object.keys(decoded).length).toBeGreaterThanOrEqual(24);
  });

  for (const [name, want] of Object.entries(decoded)) {
    for (const [label, bytes, block] of [["whole", readBytes, 65_536], ["in 700-byte chunks, 333-frame blocks", 700, 333]] as const) {
      it(`${name}, ${label}: ${want.frames} frames, ${want.channels} channel(s) at ${want.samplingRate} Hz`, async () => {
        CompressedReader.readBytes = bytes;
        const { rate, channels } = await decodeAll(join(fixtures, "variants", name), block);
        expect(rate).toBe(want.samplingRate);
        expect(channels).toHaveLength(want.channels);
        channels.forEach((x, c) => {
          expect(x.length).toBe(want.frames);
          want.at.forEach((i, k) => expect(Math.abs(x[i]! - want.samples[c]![k]!), `channel ${c}, frame ${i}`).toBeLessThan(1e-4));
          expect(Math.abs(rms(x) - want.rms[c]!)).toBeLessThan(1e-4);
        });
      });
    }
  }
});
