import { describe, expect, test } from "vitest";
import { FlavorError, flavorDestination, flavorId, makeFlavor, needsConversion } from "../../src/core/flavor.js";

describe("flavorId", () => {
  test("matches audb's known ids", () => {
    expect(flavorId(makeFlavor())).toBe("d3b62a9b");
    expect(flavorId(makeFlavor({ format: "flac" }))).toBe("40bb2241");
    expect(flavorId(makeFlavor({ format: "wav", mixdown: true, samplingRate: 16000 }))).toBe("fe182b91");
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
});

describe("conversion rules", () => {
  const mono16k = { bitDepth: 16, channels: 1, samplingRate: 16000 };
  test("destination changes the extension only with format", () => {
    expect(flavorDestination(makeFlavor({ format: "flac" }), "a/b.wav")).toBe("a/b.flac");
    expect(flavorDestination(makeFlavor({ format: "wav" }), "a/b.wav")).toBe("a/b.wav");
    expect(flavorDestination(makeFlavor(), "a/b.WAV")).toBe("a/b.WAV");
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
