// MP3 and Ogg (Vorbis, Opus) headers read as libsndfile reads them: audb-python's
// dependency tables hold audiofile's values, which come from libsndfile for .mp3 and .ogg.
// The variants and libsndfile's answers come from test/fixtures/compressed/generate.sh.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CorruptAudioError } from "../../src/audio/errors.js";
import { audioInfo, audioInfoFromBytes } from "../../src/audio/info.js";

const fixtures = join(import.meta.dirname, "../fixtures/compressed");
const expected = JSON.parse(readFileSync(join(fixtures, "expected.json"), "utf8")) as Record<string, [number, number, number] | { error: string } | string>;
const variants = Object.entries(expected).filter(([name]) => !name.startsWith("_"));

describe("audioInfo of MP3 and Ogg files agrees with libsndfile", () => {
  it("covers MP3 with and without Xing/LAME frames, ID3v1/v2 tags, MPEG-1/2/2.5, Vorbis and Opus, cut files", () => {
    const names = variants.map(([name]) => name);
    expect(names.filter((n) => n.endsWith(".mp3")).length).toBeGreaterThanOrEqual(14);
    expect(names.filter((n) => !n.endsWith(".mp3")).length).toBeGreaterThanOrEqual(9);
    expect(variants.filter(([, v]) => !Array.isArray(v))).toHaveLength(1); // the cut Opus file libsndfile refuses
  });

  for (const [name, want] of variants) {
    const path = join(fixtures, "variants", name);
    if (Array.isArray(want)) {
      it(`${name}: ${want.join(" Hz, ").replace(/, (\d+)$/, " channels, $1 frames")}`, async () => {
        const [samplingRate, channels, frames] = want;
        const info = await audioInfo(path);
        expect(info).toEqual({ format: name.endsWith(".mp3") ? "mp3" : "ogg", samplingRate, channels, bitDepth: 0, frames, duration: frames / samplingRate });
        expect(await audioInfoFromBytes(name, readFileSync(path))).toEqual(info);
      });
    } else {
      it(`${name}: refused, as libsndfile refuses it`, async () => {
        const err = await audioInfo(path).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CorruptAudioError);
        expect((err as Error).message).toContain(path);
      });
    }
  }

  it("the first fixtures (tone.mp3, tone.ogg): 1,600 frames at 16 kHz", async () => {
    for (const name of ["tone.mp3", "tone.ogg"]) {
      expect(await audioInfo(join(fixtures, name))).toMatchObject({ samplingRate: 16_000, channels: 1, frames: 1600, bitDepth: 0 });
    }
  });

  it("an MP3 frame sync alone, or an ID3 tag with nothing after it, is a corrupt file naming itself", async () => {
    for (const [name, bytes] of [["sync.mp3", Buffer.from([0xff, 0xfb, 0x90, 0x64])], ["tag.mp3", Buffer.from("ID3\x04\x00\x00\x00\x00\x00\x00", "latin1")]] as const) {
      const err = await audioInfoFromBytes(name, bytes).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(CorruptAudioError);
      expect((err as Error).message, name).toContain(name);
    }
  });
});
