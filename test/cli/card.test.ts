import { describe, expect, test } from "vitest";
import { formatDuration, mediaFacts, renderDataCard } from "../../src/api/card.js";
import { Dependencies, DependencyType, type DependencyRow } from "../../src/core/dependencies.js";
import { Database } from "../../src/format/index.js";

const HEADER = `name: emo
description: |-
  Acted emotions,
  two lines | with a pipe.
source: somewhere
usage: research
languages: [deu]
license: own license
schemes:
  emotion: {dtype: str, labels: [a, b, c, d, e, f, g, h, i, j, k, l]}
  rating: {dtype: float, minimum: 0.5}
splits:
  train: {type: train, description: for training}
tables:
  emotion.test:
    type: segmented
    split_id: train
    columns:
      label: {scheme_id: emotion}
      rating: {scheme_id: rating}
`;

function row(file: string, over: Partial<DependencyRow> = {}): DependencyRow {
  return {
    file, archive: "a", bitDepth: 16, channels: 1, checksum: "0".repeat(16), duration: 1.5, format: "wav",
    removed: false, samplingRate: 16000, type: DependencyType.media, version: "1.0.0", ...over,
  };
}

function deps(rows: DependencyRow[]): Dependencies {
  const d = new Dependencies();
  for (const r of rows) d.set(r);
  return d;
}

describe("data card", () => {
  const current = deps([
    row("db.emotion.test.csv", { type: DependencyType.meta, bitDepth: 0, channels: 0, samplingRate: 0, duration: 0, format: "csv" }),
    row("a.wav"),
    row("b.flac", { format: "flac", channels: 2, bitDepth: 24, samplingRate: 44100, duration: 60.25 }),
    row("gone.wav", { removed: true, duration: 1000, samplingRate: 8000 }),
  ]);

  test("media facts leave out tables and removed media, counting the removed", () => {
    expect(mediaFacts(current)).toEqual({
      files: 2, removed: 1, duration: 61.75, samplingRates: [16000, 44100], channels: [1, 2], bitDepths: [16, 24], formats: ["flac", "wav"],
    });
  });

  test("durations read naturally", () => {
    expect([formatDuration(3.256), formatDuration(61.75), formatDuration(3 * 3600 + 4 * 60 + 5.4)]).toEqual(["3.26 s", "1 min 02 s", "3 h 04 min 05 s"]);
  });

  test("renders header, facts, tables, schemes, splits and versions", () => {
    const md = renderDataCard({
      name: "emo", version: "1.1.0", header: Database.fromYaml(HEADER), deps: current,
      versions: [{ version: "1.0.0", files: 1, duration: 1.5 }, { version: "1.1.0", files: 2, duration: 61.75 }],
    });
    expect(md.startsWith("# emo\n\nActed emotions,\ntwo lines | with a pipe.\n")).toBe(true);
    expect(md).toContain("| License | own license |");
    expect(md).toContain("| Languages | deu |");
    expect(md).toContain("| Sampling rates | 16000 Hz, 44100 Hz |");
    expect(md).toContain("| Duration | 1 min 02 s |");
    expect(md).toContain("| emotion.test | segmented | train | label (emotion), rating |");
    expect(md).toContain("| emotion | str | a, b, c, d, e, f, g, h, i, j, … (12) |  |  |  |");
    expect(md).toContain("| rating | float |  | 0.5 |  |  |");
    expect(md).toContain("| train | train | for training |");
    expect(md).toContain("| 1.0.0 | 1 | 1.5 s |\n| **1.1.0** | 2 | 1 min 02 s |");
  });

  test("escapes pipes and line breaks inside table cells", () => {
    const header = Database.fromYaml(HEADER.replace("source: somewhere", "source: \"a | b\\nc\""));
    const md = renderDataCard({ name: "emo", version: "1.0.0", header, deps: deps([]), versions: [] });
    expect(md).toContain("| Source | a \\| b c |");
    expect(md).toContain("| Media files | 0 |");
    expect(md).toContain("| Sampling rates | – |");
  });
});
