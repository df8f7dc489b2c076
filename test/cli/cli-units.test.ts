import { PassThrough } from "node:stream";
import { CommanderError, InvalidArgumentError } from "commander";
import { describe, expect, test, vi } from "vitest";
import { reportError, UsageError } from "../../cli/errors.js";
import { MIN_NODE_VERSION, nodeTooOld } from "../../cli/node-version.js";
import { channelList, integer, mapEntry, numberIn } from "../../cli/parse.js";
import { formatBytes, formatSeconds, progressRenderer } from "../../cli/progress.js";
import { columns, displayWidth } from "../../cli/output.js";

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  stream.isTTY = isTTY;
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe("exit codes", () => {
  test("user errors: 1, one line; bugs: 2 with stack; commander: its code", () => {
    const lines: string[] = [];
    const write = (t: string) => lines.push(t);
    expect(reportError(new UsageError("--repo: repository 'x'\nis not configured"), write)).toBe(1);
    expect(lines.pop()).toBe("error: --repo: repository 'x' is not configured\n");
    const readOnly = Object.assign(new Error("EROFS: read-only file system, open '/ro/cache/fsdd/.1.0.0.audb-ts.lock'"), { code: "EROFS" });
    expect(reportError(readOnly, write)).toBe(1); // the user's folder, not a bug
    expect(lines.pop()).toBe("error: EROFS: read-only file system, open '/ro/cache/fsdd/.1.0.0.audb-ts.lock'\n");
    expect(reportError(new TypeError("boom"), write)).toBe(2);
    expect(lines.pop()).toMatch(/^internal error: TypeError: boom\n\s+at /);
    expect(reportError(new CommanderError(1, "commander.unknownOption", "x"), write)).toBe(1);
    expect(reportError(new CommanderError(0, "commander.helpDisplayed", "x"), write)).toBe(0);
    expect(lines).toEqual([]);
  });
});

describe("Node.js version check", () => {
  test("versions before 20.15 are refused with the version in the message; 20.15 and later pass", () => {
    expect(MIN_NODE_VERSION).toBe("20.15.0");
    for (const old of ["20.14.0", "v20.14.9", "20.0.0", "18.19.1", "16.20.2"]) {
      expect(nodeTooOld(old)).toBe(`audb needs Node.js >= 20.15.0 (zlib.crc32); this is Node.js v${old.replace(/^v/, "")}`);
    }
    for (const ok of ["20.15.0", "20.15.1", "20.20.2", "v21.0.0", "22.11.0", "24.0.0"]) expect(nodeTooOld(ok)).toBeUndefined();
  });

  test("the running Node passes, and package.json asks npm for the same minimum", async () => {
    expect(nodeTooOld(process.versions.node)).toBeUndefined();
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${MIN_NODE_VERSION}`);
  });
});

describe("flag parsers", () => {
  test("accept what audb accepts, reject the rest", () => {
    expect(channelList("0, -1,2")).toEqual([0, -1, 2]);
    expect(() => channelList("0,x")).toThrow(InvalidArgumentError);
    expect(integer(1)("8")).toBe(8);
    expect(() => integer(1)("0")).toThrow(/>= 1/);
    expect(() => integer(1)("2.5")).toThrow(InvalidArgumentError);
    expect(numberIn([8000, 16000] as const)("16000")).toBe(16000);
    expect(() => numberIn([8000, 16000] as const)("16000.0")).toThrow(/8000, 16000/);
  });
});

describe("progress", () => {
  test("without a terminal: a line per finished phase, others only after the interval", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const { stream, text } = fakeStream(false);
      const { listener, stop } = await progressRenderer({ quiet: false, stream, intervalMs: 5000 });
      listener({ phase: "upload", done: 0, total: 10, bytes: 0 });
      vi.advanceTimersByTime(2000);
      listener({ phase: "upload", done: 4, total: 10, bytes: 4_000_000 });
      expect(text()).toBe("");
      vi.advanceTimersByTime(3000);
      listener({ phase: "upload", done: 5, total: 10, bytes: 5_000_000 });
      expect(text()).toBe("audb: uploading 5/10 files, 5.0 MB, 1.0 MB/s, ETA 5s\n");
      listener({ phase: "upload", done: 10, total: 10, bytes: 10_000_000 });
      listener({ phase: "upload", done: 10, total: 10, bytes: 10_000_000 });
      listener({ phase: "done", done: 1, total: 1 });
      listener({ phase: "download", done: 0, total: 0 });
      stop();
      expect(text().split("\n").slice(1)).toEqual(["audb: uploading 10/10 files, 10.0 MB, 2.0 MB/s", ""]);
    } finally {
      vi.useRealTimers();
    }
  });

  test("quiet draws nothing; a terminal gets bars", async () => {
    const quiet = fakeStream(true);
    const silent = await progressRenderer({ quiet: true, stream: quiet.stream });
    silent.listener({ phase: "download", done: 3, total: 3 });
    silent.stop();
    expect(quiet.text()).toBe("");

    const tty = fakeStream(true);
    Object.assign(tty.stream, { columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const bars = await progressRenderer({ quiet: false, stream: tty.stream });
    bars.listener({ phase: "convert", done: 2, total: 4 });
    bars.listener({ phase: "convert", done: 4, total: 4 });
    bars.stop();
    expect(tty.text()).toMatch(/converting\s+\|█+\| 4\/4 files/);
  });

  test("units", () => {
    expect([formatBytes(999), formatBytes(1500), formatBytes(2.5e9)]).toEqual(["999 B", "1.5 kB", "2.5 GB"]);
    expect([formatSeconds(12.4), formatSeconds(185), formatSeconds(3725)]).toEqual(["12s", "3m05s", "1h02m"]);
  });
});

describe("--map", () => {
  test("COLUMN=FIELD or FIELD,FIELD; repeated for a column, the fields of both", () => {
    expect(mapEntry("speaker=gender")).toEqual({ speaker: "gender" });
    expect(mapEntry("speaker=gender,accent", { digit: "x" })).toEqual({ digit: "x", speaker: ["gender", "accent"] });
    expect(mapEntry("speaker=accent", mapEntry("speaker=gender"))).toEqual({ speaker: ["gender", "accent"] });
    expect(mapEntry("speaker=gender", mapEntry("speaker=gender"))).toEqual({ speaker: "gender" });
    for (const bad of ["speaker", "speaker=,", "speaker=gender,", " =x", "=x"]) expect(() => mapEntry(bad), bad).toThrow(InvalidArgumentError);
  });
});

describe("columns", () => {
  test("align by terminal columns: wide (CJK, emoji) characters take two, combining marks none", () => {
    expect([displayWidth("abc"), displayWidth("日本語"), displayWidth("😀"), displayWidth("u\u0308ber"), displayWidth("über")]).toEqual([3, 6, 2, 4, 4]);
    const text = columns([["日本語.wav", "1"], ["u\u0308ber.wav", "2"], ["😀.wav", "3"], ["plain.wav", "4"]]);
    const starts = text.split("\n").map((line) => displayWidth(line.slice(0, line.lastIndexOf("  ") + 2)));
    expect(new Set(starts).size).toBe(1);
  });

  test("count columns as terminals do (wcwidth): East Asian Wide and Fullwidth take two; Mn, Me, Cf and medial/final Hangul jamo none; the rest one", () => {
    const cases: Array<[string, number]> = [
      ["ab©", 3], ["®™↔", 3], // pictographs in text presentation (East Asian Width: neutral)
      ["कि", 2], // a Devanagari letter and a spacing vowel sign (Mc)
      ["\ufe50", 2], ["\ua960", 2], ["\u{17000}", 2], // small-form variant, Hangul Jamo Extended-A, Tangut
      ["a\u200db", 2], ["a\u200bb", 2], ["\u{1f468}\u200d\u{1f469}", 4], // joiners and zero-width space; terminals without ZWJ sequences show both emoji
      ["\u1100\u1161\u11a8", 2], // a decomposed Hangul syllable: the leading consonant takes both columns
    ];
    expect(cases.map(([text]) => displayWidth(text))).toEqual(cases.map(([, width]) => width));
  });
});
