import { describe, expect, it } from "vitest";
import { ChannelSelectionError, channelMap, remix, remixedChannels } from "../../src/audio/remix.js";

/** Channel k holds the constant k + 1, so the output tells which input channel it came from. */
function labelled(channels: number, frames = 4): Float32Array[] {
  return Array.from({ length: channels }, (_, k) => new Float32Array(frames).fill(k + 1));
}
const labels = (block: Float32Array[]) => block.map((ch) => ch[0]);

describe("channelMap follows audresample.remix(upmix='repeat')", () => {
  // cases from audresample's tests/test_remix.py
  it("[3, 0, 0] of 3 channels repeats channel 0", () => expect(channelMap(3, [3, 0, 0])).toEqual([0, 0, 0]));
  it("[-6, 0, 0] of 3 channels repeats channel 0", () => expect(channelMap(3, [-6, 0, 0])).toEqual([0, 0, 0]));
  it("upmixes stereo to 4 channels as [0, 1, 0, 1]", () => expect(channelMap(2, [0, 1, 2, 3])).toEqual([0, 1, 0, 1]));
  it("-1 is the last channel", () => expect(channelMap(5, [-1, 0])).toEqual([4, 0]));
  it("mono -2 counts from the end of the repeated signal", () => expect(channelMap(1, [-2, 1])).toEqual([0, 0]));
  it("rejects an empty selection", () => expect(() => channelMap(2, [])).toThrow(ChannelSelectionError));
});

describe("remix", () => {
  it("selects and reorders", () => expect(labels(remix(labelled(3), { channels: [2, 0] }))).toEqual([3, 1]));
  it("accepts a single channel number", () => expect(labels(remix(labelled(3), { channels: -1 }))).toEqual([3]));
  it("mixes selected channels down to their mean", () => {
    const out = remix(labelled(4), { channels: [1, 3], mixdown: true });
    expect(out).toHaveLength(1);
    expect(Array.from(out[0]!)).toEqual([3, 3, 3, 3]);
  });
  it("mixes all channels down when none are selected", () => expect(labels(remix(labelled(3), { mixdown: true }))).toEqual([2]));
  it("leaves mono alone on mixdown and returns the same arrays without options", () => {
    const mono = labelled(1);
    expect(remix(mono, { mixdown: true })[0]).toBe(mono[0]);
    expect(remix(mono, {})).toBe(mono);
  });
  it("remixedChannels predicts the output width", () => {
    for (const opts of [{}, { mixdown: true }, { channels: [0, 1, 0, 1] }, { channels: 1 }, { channels: [0, 1], mixdown: true }]) {
      expect(remixedChannels(2, opts)).toBe(remix(labelled(2), opts).length);
    }
  });
});
