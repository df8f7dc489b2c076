import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { checkFlavorDestinations, FlavorError, flavorDestination, flavorId, flavorLongId, flavorYaml, makeFlavor, needsConversion } from "../../src/core/flavor.js";
import { Dependencies, DependencyType } from "../../src/core/dependencies.js";

describe("flavorId", () => {
  test("matches audb's known ids", () => {
    expect(flavorId(makeFlavor())).toBe("d3b62a9b");
    expect(flavorId(makeFlavor({ format: "flac" }))).toBe("40bb2241");
    expect(flavorId(makeFlavor({ format: "wav", mixdown: true, samplingRate: 16000 }))).toBe("fe182b91");
  });
  test("matches every id audb-python computed (test/interop/reference/flavor-ids.json)", () => {
    type Row = { args: { bit_depth: 16 | 24 | 32 | null; channels: number | number[] | null; format: "wav" | "flac" | null; mixdown: boolean; sampling_rate: number | null }; yaml: string; id: string; short_id: string };
    const rows = JSON.parse(readFileSync(join(import.meta.dirname, "../interop/reference/flavor-ids.json"), "utf8")) as Row[];
    expect(rows.length).toBeGreaterThan(100);
    for (const { args, yaml, id, short_id } of rows) {
      const flavor = makeFlavor({ bitDepth: args.bit_depth, channels: args.channels, format: args.format, mixdown: args.mixdown, samplingRate: args.sampling_rate });
      expect(flavorYaml(flavor)).toBe(yaml);
      expect(flavorLongId(flavor)).toBe(id);
      expect(flavorId(flavor)).toBe(short_id);
    }
  });
  test("mixdown is ignored for fewer than two channels, as in audb", () => {
    expect(flavorId(makeFlavor({ channels: 0, mixdown: true }))).toBe(flavorId(makeFlavor({ channels: [0] })));
  });
});

describe("makeFlavor", () => {
  test("rejects unsupported values naming them", () => {
    expect(() => makeFlavor({ samplingRate: 12345 })).toThrow(FlavorError);
    expect(() => makeFlavor({ samplingRate: 12345 })).toThrow(/12345/);
    expect(() => makeFlavor({ bitDepth: 8 as 16 })).toThrow(/bitDepth.*8/);
    expect(() => makeFlavor({ format: "mp3" as "wav" })).toThrow(/'mp3'/);
  });

  test("a numeric string from untyped JavaScript is shown as a string, not as the number it reads like", () => {
    expect(() => makeFlavor({ samplingRate: "16000" as unknown as 16000 })).toThrow(
      new FlavorError('samplingRate has to be one of 8000, 16000, 22050, 24000, 44100, 48000, not "16000" (a string, not a number)'),
    );
    expect(() => makeFlavor({ bitDepth: "16" as unknown as 16 })).toThrow(/not "16" \(a string, not a number\)$/);
  });
});

describe("conversion rules", () => {
  const mono16k = { bitDepth: 16, channels: 1, samplingRate: 16000 };
  test("destination changes the extension only with format", () => {
    expect(flavorDestination(makeFlavor({ format: "flac" }), "a/b.wav")).toBe("a/b.flac");
    expect(flavorDestination(makeFlavor({ format: "wav" }), "a/b.wav")).toBe("a/b.wav");
    expect(flavorDestination(makeFlavor(), "a/b.WAV")).toBe("a/b.WAV");
    expect(flavorDestination(makeFlavor({ format: "flac" }), "a/b.WAV")).toBe("a/b.flac");
    // the extension is the name's, never a folder's
    expect(flavorDestination(makeFlavor({ format: "flac" }), "dir.v1/rec")).toBe("dir.v1/rec.flac");
    expect(flavorDestination(makeFlavor({ format: "flac" }), "plain/rec2")).toBe("plain/rec2.flac");
  });
  test("a format is refused for audio without an extension and for two files that would meet, as audb refuses them", () => {
    const deps = new Dependencies();
    const audio = (file: string, format: string) => deps.set({
      file, archive: file, bitDepth: 16, channels: 1, checksum: "0", duration: 1, format, removed: false, samplingRate: 16000, type: DependencyType.media, version: "1.0.0",
    });
    for (const [f, fmt] of [["c/x.wav", "wav"], ["c/x.flac", "flac"], ["d/y.wav", "wav"], ["dir.v1/rec", ""], ["notes/x.txt", "txt"]]) audio(f!, fmt!);
    deps.set({ ...deps.get("notes/x.txt"), samplingRate: 0, bitDepth: 0, channels: 0, duration: 0 });
    const flac = makeFlavor({ format: "flac" });
    expect(() => checkFlavorDestinations(flac, deps, ["c/x.wav", "c/x.flac"])).toThrow(FlavorError);
    expect(() => checkFlavorDestinations(flac, deps, ["c/x.wav", "c/x.flac"])).toThrow("media files 'c/x.wav' and 'c/x.flac' would both become 'c/x.flac'");
    expect(() => checkFlavorDestinations(flac, deps, ["dir.v1/rec"])).toThrow("media file 'dir.v1/rec' has no extension");
    expect(() => checkFlavorDestinations(flac, deps, ["c/x.wav", "d/y.wav", "notes/x.txt"])).not.toThrow();
    expect(() => checkFlavorDestinations(makeFlavor({ samplingRate: 8000 }), deps, deps.media)).not.toThrow();
  });
  test("needsConversion follows audb's _check_convert", () => {
    expect(needsConversion(makeFlavor(), "a.wav", mono16k)).toBe(false);
    expect(needsConversion(makeFlavor({ samplingRate: 16000 }), "a.wav", mono16k)).toBe(false);
    expect(needsConversion(makeFlavor({ samplingRate: 8000 }), "a.wav", mono16k)).toBe(true);
    expect(needsConversion(makeFlavor({ channels: [0] }), "a.wav", mono16k)).toBe(false);
    expect(needsConversion(makeFlavor({ channels: [0, 0] }), "a.wav", mono16k)).toBe(true);
    expect(needsConversion(makeFlavor({ mixdown: true, channels: [0, 1] }), "a.wav", { ...mono16k, channels: 2 })).toBe(true);
    expect(needsConversion(makeFlavor({ format: "flac" }), "a.wav", mono16k)).toBe(true);
    expect(needsConversion(makeFlavor({ bitDepth: 24 }), "a.wav", mono16k)).toBe(true);
  });
});
