import { describe, expect, test } from "vitest";
import { Dependencies, DependencyTableError, DependencyType, MissingDependencyError, type DependencyRow } from "../../src/core/dependencies.js";
import { csvLineStarts, dependenciesFromCsv, dependenciesToCsv, dependenciesToCsvBytes, dependenciesToCsvSource } from "../../src/core/dependencies-csv.js";
import { dependenciesFromCompact, dependenciesToCompact } from "../../src/core/dependencies-compact.js";

function media(file: string, extra: Partial<DependencyRow> = {}): DependencyRow {
  return {
    file, archive: "a-" + file, bitDepth: 16, channels: 1, checksum: "0123456789abcdef", duration: 1.25,
    format: "wav", removed: false, samplingRate: 16000, type: DependencyType.media, version: "1.0.0", ...extra,
  };
}

function sample(): Dependencies {
  const deps = new Dependencies();
  deps.set({ ...media("db.files.csv"), archive: "files", bitDepth: 0, channels: 0, duration: 0, format: "csv", samplingRate: 0, type: DependencyType.meta });
  deps.set(media("audio/a.wav"));
  deps.set(media("audio/b,c.wav", { removed: true, version: "1.1.0", duration: 0.1 + 0.2 }));
  deps.set({ ...media("docs"), archive: "docs", type: DependencyType.attachment, format: "", bitDepth: 0, channels: 0, samplingRate: 0, duration: 0 });
  return deps;
}

describe("Dependencies", () => {
  test("queries by kind and by file", () => {
    const deps = sample();
    expect(deps.length).toBe(4);
    expect(deps.media).toEqual(["audio/a.wav", "audio/b,c.wav"]);
    expect(deps.removedMedia).toEqual(["audio/b,c.wav"]);
    expect([deps.countOf(DependencyType.media), deps.countOf(DependencyType.meta), deps.countOf(DependencyType.attachment)]).toEqual([2, 1, 1]);
    expect(deps.tables).toEqual(["db.files.csv"]);
    expect(deps.tableIds).toEqual(["files"]);
    expect(deps.attachments).toEqual(["docs"]);
    expect(deps.attachmentIds).toEqual(["docs"]);
    expect(deps.archive("audio/a.wav")).toBe("a-audio/a.wav");
    expect(deps.samplingRate("audio/a.wav")).toBe(16000);
    expect(deps.removed("audio/b,c.wav")).toBe(true);
    expect(() => deps.checksum("nope.wav")).toThrow(MissingDependencyError);
    expect(() => deps.checksum("nope.wav")).toThrow(/nope\.wav/);
  });

  test("rows by kind in runs and alone, from plain and typed columns", () => {
    const kinds = [1, 1, 0, 1, 2, 2, 1, 0, 1, 1];
    const deps = new Dependencies();
    kinds.forEach((type, i) => deps.set(media(`f${i}`, { type: type as DependencyType })));
    const typed = dependenciesFromCompact(dependenciesToCompact(deps), "db.compact");
    expect(typed.columns.type).toBeInstanceOf(Uint8Array);
    for (const d of [deps, typed]) {
      expect(d.rowsOfType(DependencyType.media)).toEqual([0, 1, 3, 6, 8, 9]);
      expect(d.rowsOfType(DependencyType.meta)).toEqual([2, 7]);
      expect(d.rowsOfType(DependencyType.attachment)).toEqual([4, 5]);
      expect(d.countOf(DependencyType.media)).toBe(6);
      expect(d.attachmentIds).toEqual(["a-f4", "a-f5"]);
    }
  });

  test("set replaces in place, drop removes, setVersion updates", () => {
    const deps = sample();
    deps.set(media("audio/a.wav", { checksum: "ffffffffffffffff" }));
    expect(deps.length).toBe(4);
    expect(deps.checksum("audio/a.wav")).toBe("ffffffffffffffff");
    deps.drop(["audio/a.wav", "missing"]);
    expect(deps.has("audio/a.wav")).toBe(false);
    expect(deps.files).toEqual(["db.files.csv", "audio/b,c.wav", "docs"]);
    deps.setVersion(["docs"], "2.0.0");
    expect(deps.version("docs")).toBe("2.0.0");
  });

  test("row hints: a right one answers, a wrong or impossible one falls back to the lookup", () => {
    const deps = sample();
    expect(deps.rowsOfType(DependencyType.media)).toEqual([1, 2]);
    expect(deps.rowsOfType(DependencyType.attachment)).toEqual([3]);
    expect([deps.firstRowOfType(DependencyType.media), deps.firstRowOfType(DependencyType.attachment)]).toEqual([1, 3]);
    expect(new Dependencies().firstRowOfType(DependencyType.media)).toBe(-1);
    for (const hint of [undefined, 1, 0, 2, -1, 4, 99, 1.5]) expect(deps.rowOf("audio/a.wav", hint)).toBe(1);
    expect(deps.rowOf("nope.wav", 1)).toBeUndefined();
    expect(deps.rowOf("nope.wav", 4)).toBeUndefined();
    deps.set(media("audio/b,c.wav", { checksum: "1111111111111111" }), 2);
    deps.set(media("audio/a.wav", { checksum: "2222222222222222" }), 2); // wrong hint: still its own row
    deps.set(media("audio/new.wav"), 0); // not in the table: appended, whatever the hint
    expect(deps.files).toEqual(["db.files.csv", "audio/a.wav", "audio/b,c.wav", "docs", "audio/new.wav"]);
    expect([deps.checksum("audio/a.wav"), deps.checksum("audio/b,c.wav"), deps.checksum("db.files.csv")])
      .toEqual(["2222222222222222", "1111111111111111", "0123456789abcdef"]);
  });

  test("CSV in audb's legacy layout round-trips", () => {
    const deps = sample();
    const csv = dependenciesToCsv(deps);
    expect(csv.split("\n")[0]).toBe(",archive,bit_depth,channels,checksum,duration,format,removed,sampling_rate,type,version");
    expect(csv).toContain('"audio/b,c.wav","a-audio/b,c.wav",16,1,');
    expect(csv).toContain("audio/a.wav,a-audio/a.wav,16,1,0123456789abcdef,1.25,wav,0,16000,1,1.0.0");
    const back = dependenciesFromCsv(csv);
    expect(back.equals(deps)).toBe(true);
    expect(back.duration("audio/b,c.wav")).toBe(0.1 + 0.2);
  });

  test("reads pandas-written legacy CSV with float columns", () => {
    const csv = ",archive,bit_depth,channels,checksum,duration,format,removed,sampling_rate,type,version\n" +
      "wav/03a01Fa.wav,c1f5cc6f-6d00-348a-ac5a-e2b5e7ef9d2c,16,1,9ce4b3f7f4c5f5fc3bcd7e3a69c0e5b3,1.89825,wav,0,16000.0,1,1.0.0\n";
    const deps = dependenciesFromCsv(csv);
    expect(deps.samplingRate("wav/03a01Fa.wav")).toBe(16000);
    expect(deps.duration("wav/03a01Fa.wav")).toBe(1.89825);
  });

  test("bad CSV names the file and line", () => {
    expect(() => dependenciesFromCsv("file,x\n", "repo/db.csv")).toThrow(DependencyTableError);
    expect(() => dependenciesFromCsv("file,x\n", "repo/db.csv")).toThrow(/repo\/db\.csv.*header/);
    const bad = ",archive,bit_depth,channels,checksum,duration,format,removed,sampling_rate,type,version\na.wav,x,16,1,c,notanumber,wav,0,8000,1,1.0.0\n";
    expect(() => dependenciesFromCsv(bad, "db.csv")).toThrow(/line 2.*duration/);
    const short = ",archive,bit_depth,channels,checksum,duration,format,removed,sampling_rate,type,version\na.wav,x\n";
    expect(() => dependenciesFromCsv(short)).toThrow(/line 2 has 2 fields/);
  });

  test("compact cache format round-trips, also with many rows and versions", () => {
    const deps = sample();
    expect(dependenciesFromCompact(dependenciesToCompact(deps)).equals(deps)).toBe(true);
    const big = new Dependencies();
    for (let i = 0; i < 70_000; i++) big.set(media(`f/${i}.wav`, { version: `1.0.${i % 3}`, duration: i / 7 }));
    const back = dependenciesFromCompact(dependenciesToCompact(big));
    expect(back.length).toBe(70_000);
    expect(back.duration("f/69999.wav")).toBe(69999 / 7);
    expect(back.version("f/4.wav")).toBe("1.0.1");
    expect(dependenciesFromCompact(dependenciesToCompact(new Dependencies())).length).toBe(0);
  });

  test("compact cache format refuses a NUL in a text column, its separator, naming the column", () => {
    for (const [column, row] of [
      ["file", media("a\u0000.wav")], ["archive", media("a.wav", { archive: "x\u0000y" })], ["checksum", media("a.wav", { checksum: "\u0000" })],
    ] as const) {
      const deps = sample();
      deps.set(row);
      expect(() => dependenciesToCompact(deps)).toThrow(new RegExp(`column '${column}' holds a NUL`));
    }
  });

  test("a table read from the compact cache answers lookups from its stored index, also after changes", () => {
    const deps = new Dependencies();
    const names = ["a.wav", "ü/ñ.wav", "日本/音声.wav", "b,c.wav", ...Array.from({ length: 5000 }, (_, i) => `x/${i}.wav`)];
    for (const f of names) deps.set(media(f));
    const back = dependenciesFromCompact(dependenciesToCompact(deps));
    for (const f of names) expect(back.archive(f)).toBe(`a-${f}`);
    expect(back.has("x/5000.wav")).toBe(false);
    expect(back.has("a.wa")).toBe(false);
    expect(() => back.checksum("missing.wav")).toThrow(MissingDependencyError);
    back.set(media("new.wav"));
    expect(back.has("new.wav")).toBe(true);
    expect(back.has("日本/音声.wav")).toBe(true);
    expect(back.length).toBe(names.length + 1);
    back.drop(["a.wav"]);
    expect(back.has("a.wav")).toBe(false);
    expect(back.version("x/4999.wav")).toBe("1.0.0");
    back.markRemoved("x/1.wav");
    expect(back.removedMedia).toEqual(["x/1.wav"]);
  });

  test("a table from the compact cache changes rows in place, keeping what does not fit its typed columns exactly", () => {
    const kept = dependenciesFromCompact(dependenciesToCompact(sample()));
    kept.set(media("audio/a.wav", { bitDepth: 24, channels: 2, duration: 0.1 + 0.2, samplingRate: 48000 }));
    kept.markRemoved("audio/a.wav");
    expect(kept.get("audio/a.wav")).toEqual(media("audio/a.wav", { bitDepth: 24, channels: 2, duration: 0.1 + 0.2, samplingRate: 48000, removed: true }));
    expect(Array.isArray(kept.columns.bitDepth)).toBe(false); // still the cached typed column
    kept.set(media("audio/a.wav", { bitDepth: 2.5, samplingRate: 2 ** 40, duration: Number.NaN }));
    expect(kept.bitDepth("audio/a.wav")).toBe(2.5);
    expect(kept.samplingRate("audio/a.wav")).toBe(2 ** 40);
    expect(kept.duration("audio/a.wav")).toBeNaN();
    const grown = dependenciesFromCompact(dependenciesToCompact(sample()));
    grown.set(media("audio/new.wav", { bitDepth: 8 }));
    expect(grown.length).toBe(5);
    expect(grown.get("audio/new.wav").bitDepth).toBe(8);
    expect(grown.get("audio/b,c.wav")).toEqual(sample().get("audio/b,c.wav"));
  });

  test("a table from the compact cache writes unchanged string columns as read, and exactly what a fresh table writes after any change", () => {
    const source = () => {
      const deps = new Dependencies();
      for (let i = 0; i < 40; i++) deps.set(media(`audio/${i}.wav`, { version: `1.0.${i % 3}`, format: i % 5 ? "wav" : "flac" }));
      return dependenciesToCompact(deps);
    };
    const bytes = source();
    expect(dependenciesToCompact(dependenciesFromCompact(bytes)).equals(bytes)).toBe(true);
    const changes: Array<[string, (d: Dependencies) => void]> = [
      ["checksum", (d) => d.set(media("audio/3.wav", { version: "1.0.0", checksum: "ffffffffffffffff" }), 3)],
      ["version", (d) => d.set(media("audio/4.wav", { version: "2.0.0" }))],
      ["archive", (d) => d.set(media("audio/5.wav", { version: "1.0.2", archive: "other" }))],
      ["format", (d) => d.set(media("audio/6.wav", { version: "1.0.0", format: "mp3" }))],
      ["same values", (d) => d.set(media("audio/7.wav", { version: "1.0.1" }))],
      ["numbers", (d) => d.set(media("audio/8.wav", { version: "1.0.2", bitDepth: 24, duration: 7.5 }))],
      ["setVersion", (d) => d.setVersion(["audio/9.wav"], "3.0.0")],
      ["markRemoved", (d) => d.markRemoved("audio/10.wav")],
      ["new row", (d) => d.set(media("audio/new.wav"))],
      ["drop", (d) => d.drop(["audio/0.wav"])],
    ];
    for (const [what, change] of changes) {
      const read = dependenciesFromCompact(bytes);
      change(read);
      expect(dependenciesToCompact(read).equals(dependenciesToCompact(read.clone())), what).toBe(true);
      expect(dependenciesFromCompact(dependenciesToCompact(read)).equals(read), what).toBe(true);
    }
  });

  test("corrupt compact data is a typed error", () => {
    expect(() => dependenciesFromCompact(Buffer.from("garbage garbage"), "cache/db.deps")).toThrow(/cache\/db\.deps/);
    const buf = dependenciesToCompact(sample());
    expect(() => dependenciesFromCompact(buf.subarray(0, buf.length - 16))).toThrow(DependencyTableError);
  });

  test("a table tied to the CSV it was written as writes the same bytes after any change, copying unchanged lines", () => {
    const tied = () => {
      const deps = new Dependencies();
      for (let i = 0; i < 50; i++) deps.set(media(`audio/${i}${i % 7 === 0 ? ',"q"' : ""}.wav`, { duration: i / 3 }));
      const bytes = Buffer.from(dependenciesToCsv(deps), "utf8");
      const again = dependenciesFromCsv(bytes.toString("utf8"));
      again.attachCsv({ bytes, lineStarts: csvLineStarts(bytes) });
      expect(again.csvSource).toBeDefined();
      return { deps: again, bytes };
    };
    const full = (d: Dependencies) => Buffer.from(dependenciesToCsv(d), "utf8");

    const unchanged = tied();
    const copied = dependenciesToCsvBytes(unchanged.deps);
    expect(copied.equals(unchanged.bytes)).toBe(true);

    const changes: Array<(d: Dependencies) => void> = [
      (d) => d.set(media("audio/3.wav", { checksum: "ffffffffffffffff", version: "2.0.0" })),
      (d) => d.setVersion(["audio/0,\"q\".wav", "audio/48.wav"], "2.0.0"),
      (d) => d.set(media("audio/new.wav", { version: "2.0.0" })),
      (d) => d.markRemoved("audio/10.wav"),
      (d) => { d.set(media("audio/0,\"q\".wav", { duration: 0.1 + 0.2 })); d.set(media("audio/1.wav", { archive: "x" })); d.set(media("z.wav")); },
    ];
    for (const change of changes) {
      const { deps } = tied();
      change(deps);
      expect(dependenciesToCsvBytes(deps).toString("utf8")).toBe(full(deps).toString("utf8"));
      expect(dependenciesFromCsv(dependenciesToCsvBytes(deps).toString("utf8")).equals(deps)).toBe(true);
      const { bytes, lineStarts } = dependenciesToCsvSource(deps); // line starts known while writing
      expect([...lineStarts]).toEqual([...csvLineStarts(bytes)]);
    }
    const first = dependenciesToCsvSource(tied().deps);
    expect([...first.lineStarts]).toEqual([...csvLineStarts(first.bytes)]);
    const untied = dependenciesToCsvSource(new Dependencies());
    expect([...untied.lineStarts]).toEqual([untied.bytes.length]);
    const dropped = tied().deps;
    dropped.drop(["audio/5.wav"]);
    expect(dropped.csvSource).toBeUndefined();
    expect(dependenciesToCsvBytes(dropped).equals(full(dropped))).toBe(true);

    const other = tied();
    const shorter = other.bytes.subarray(0, other.bytes.length - 1); // no final line break: not tied
    const fresh = dependenciesFromCsv(other.bytes.toString("utf8"));
    fresh.attachCsv({ bytes: shorter, lineStarts: csvLineStarts(shorter) });
    expect(fresh.csvSource).toBeUndefined();
  });
});
