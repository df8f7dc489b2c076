import { describe, expect, test } from "vitest";
import {
  checkPortablePath,
  formatTimedelta,
  InvalidPathError,
  isPortablePath,
  LanguageError,
  mapLanguage,
  parseDate,
  parseTimedelta,
  portablePathProblem,
  pyFloatRepr,
} from "../../src/format/index.js";
import { onNanosecondGrid, sumOnNanosecondGrid, timedeltaColumnFormatter } from "../../src/format/time.js";

describe("pandas durations", () => {
  test("format one value as str(pd.Timedelta) does", () => {
    expect(formatTimedelta(1)).toBe("0 days 00:00:01");
    expect(formatTimedelta(1.5)).toBe("0 days 00:00:01.500000");
    expect(formatTimedelta(1.500000001)).toBe("0 days 00:00:01.500000001");
    expect(formatTimedelta(0.000001)).toBe("0 days 00:00:00.000001");
    expect(formatTimedelta(3723.000000001)).toBe("0 days 01:02:03.000000001");
    expect(formatTimedelta(86402)).toBe("1 days 00:00:02");
    expect(formatTimedelta(-1)).toBe("-1 days +23:59:59");
    expect(formatTimedelta(NaN)).toBe("");
  });

  test("format a column as pandas writes it to CSV: one format for all its values", () => {
    const column = (values: number[]) => values.map(timedeltaColumnFormatter(Float64Array.from(values)));
    expect(column([0, 0])).toEqual(["0 days", "0 days"]); // pandas 2 and 3 alike
    expect(column([86_400, -86_400, NaN])).toEqual(["1 days", "-1 days", ""]);
    expect(column([86_400, 86_401])).toEqual(["1 days 00:00:00", "1 days 00:00:01"]);
    expect(column([0, 1.5])).toEqual(["0 days 00:00:00.000000", "0 days 00:00:01.500000"]);
    expect(column([-1, 1e-9])).toEqual(["-1 days +23:59:59.000000000", "0 days 00:00:00.000000001"]);
    expect(column([NaN, NaN])).toEqual(["", ""]);
  });

  test("parse pandas forms and units; a whole number without a unit is nanoseconds, a fraction without one is refused, as pd.to_timedelta", () => {
    expect(parseTimedelta("0 days 00:00:01.500000")).toBe(1.5);
    expect(parseTimedelta("0 days 00:00:01.500000001")).toBe(1.500000001);
    expect(parseTimedelta("0 days 00:00:01.5000000019")).toBe(1.500000001);
    expect(parseTimedelta("-1 days +23:59:59")).toBe(-1);
    expect(parseTimedelta("1 days")).toBe(86400);
    expect(parseTimedelta("00:01:02.5")).toBe(62.5);
    expect(parseTimedelta("2")).toBe(2e-9);
    expect(parseTimedelta("+4")).toBe(4e-9);
    expect(parseTimedelta("-3")).toBe(-3e-9);
    expect(parseTimedelta("1500000000")).toBe(1.5);
    expect(parseTimedelta("0")).toBe(0);
    expect(parseTimedelta("1.5")).toBeUndefined();
    expect(parseTimedelta(".5")).toBeUndefined();
    expect(parseTimedelta("1e3")).toBeUndefined();
    // several units and ISO 8601, as pd.to_timedelta reads them (values from pandas 2)
    const pandas: Array<[string, number]> = [
      ["1 days 2 hours", 93600], ["1d2h", 93600], ["1 day 2h 3min 4s", 93784], ["-1 days 2 hours", -93600], ["2 hours, 3 min", 7380],
      ["1.5h", 5400], ["1W", 604800], ["30S", 30], ["P0DT0H0M2S", 2], ["P1DT2H3M4.5S", 93784.5], ["-P1D", -86400], ["PT0.000000001S", 1e-9],
    ];
    for (const [text, seconds] of pandas) expect(parseTimedelta(text), text).toBe(seconds);
    for (const text of ["P", "PT", "1 parsecs", "1E"]) expect(parseTimedelta(text), text).toBeUndefined();
    expect(parseTimedelta("100ms")).toBe(0.1);
    expect(parseTimedelta("1.5s")).toBe(1.5);
    expect(parseTimedelta("NaT")).toBeNaN();
    expect(parseTimedelta("")).toBeNaN();
    expect(parseTimedelta("soon")).toBeUndefined();
  });

  test("round trip of nanoseconds", () => {
    for (const ns of [0, 1, 999, 1000, 1500000001, 3723000000001, 86399999999999]) {
      const s = ns / 1e9;
      expect(parseTimedelta(formatTimedelta(s))).toBe(s);
    }
  });

  test("dates", () => {
    expect(parseDate("2020-01-02")).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate("2021-06-30 12:30:45.250")).toBe(Date.UTC(2021, 5, 30, 12, 30, 45, 250));
    expect(parseDate("2021-06-30T12:30:45+02:00")).toBe(Date.UTC(2021, 5, 30, 10, 30, 45));
    expect(parseDate("nope")).toBeUndefined();
  });
});

test("Python float repr", () => {
  expect(pyFloatRepr(0.1)).toBe("0.1");
  expect(pyFloatRepr(1)).toBe("1.0");
  expect(pyFloatRepr(1e-5)).toBe("1e-05");
  expect(pyFloatRepr(1.5e-7)).toBe("1.5e-07");
  expect(pyFloatRepr(0.0001)).toBe("0.0001");
  expect(pyFloatRepr(1e16)).toBe("1e+16");
  expect(pyFloatRepr(1e15)).toBe("1000000000000000.0");
  expect(pyFloatRepr(123456789012.5)).toBe("123456789012.5");
  expect(pyFloatRepr(1 / 3)).toBe("0.3333333333333333");
  expect(pyFloatRepr(-2.5e100)).toBe("-2.5e+100");
  expect(pyFloatRepr(Infinity)).toBe("inf");
});

test("languages map to ISO 639-3", () => {
  expect(mapLanguage("de")).toBe("deu");
  expect(mapLanguage("german")).toBe("deu");
  expect(mapLanguage("German")).toBe("deu");
  expect(mapLanguage("ger")).toBe("deu");
  expect(mapLanguage("deu")).toBe("deu");
  expect(mapLanguage("English")).toBe("eng");
  expect(mapLanguage("en")).toBe("eng");
  expect(mapLanguage("zh")).toBe("zho");
  expect(mapLanguage("gsw")).toBe("gsw");
  expect(() => mapLanguage("Klingonish")).toThrow(LanguageError);
  expect(() => mapLanguage("Klingonish")).toThrow("'Klingonish' is not supported by ISO 639-3");
});

test("portable paths", () => {
  for (const ok of ["a.wav", "wav/a.wav", "a b/c,d.wav", "docs/", "ünï/😀.wav"]) expect(isPortablePath(ok)).toBe(true);
  const bad: Array<[string, RegExp]> = [
    ["/abs/a.wav", /is absolute/],
    ["C:/a.wav", /drive letter/],
    ["a\\b.wav", /contains '\\'/],
    ["./a.wav", /'\.' segment/],
    ["a/./b.wav", /'\.' segment/],
    ["../a.wav", /'\.\.' segment/],
    ["a/../b.wav", /'\.\.' segment/],
    ["a/..", /'\.\.' segment/],
    ["a//b.wav", /empty segment/],
    ["", /is empty/],
  ];
  for (const [path, message] of bad) {
    expect(isPortablePath(path)).toBe(false);
    expect(() => checkPortablePath(path)).toThrow(InvalidPathError);
    expect(() => checkPortablePath(path)).toThrow(message);
  }
  // Read (loading what audb-python published on POSIX), a leading drive letter is a name; written (publish), it is refused.
  for (const name of ["c:x.wav", "C:/x.wav"]) {
    expect(portablePathProblem(name, true)).toBe(process.platform === "win32" ? "is absolute (drive letter)" : null);
    expect(portablePathProblem(name)).toBe("is absolute (drive letter)");
  }
  expect(portablePathProblem("/x.wav", true)).toBe("is absolute");
  try {
    checkPortablePath("../x.wav", "file", { table: "files", line: 3 });
  } catch (e) {
    const err = e as InvalidPathError;
    expect(err.message).toBe(
      "Invalid file '../x.wav' in table 'files' (line 3): contains a '..' segment; paths must be relative, use '/' and contain no '.' or '..' segments",
    );
    expect(err.file).toBe("../x.wav");
    expect(err.table).toBe("files");
    expect(err.line).toBe(3);
  }
  // an empty cell (read as null) is said to be empty, not shown as 'null'
  expect(() => checkPortablePath(null as unknown as string, "file", { table: "files", line: 4 })).toThrow(
    /^Invalid file in table 'files' \(line 4\): is empty; /,
  );
});

describe("onNanosecondGrid", () => {
  test("rounds seconds to whole nanoseconds, as a pandas Timedelta holds them", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(onNanosecondGrid(0.1 + 0.2)).toBe(0.3);
    expect(onNanosecondGrid(1312.302999999998)).toBe(1312.303);
    expect(onNanosecondGrid(1.0000000004)).toBe(1);
  });
});

describe("sumOnNanosecondGrid", () => {
  test("adds durations as whole nanoseconds, as pandas sums a Timedelta column: no float drift", () => {
    const durations = new Array<number>(10_778).fill(0.3);
    expect(durations.reduce((a, b) => a + b, 0)).not.toBe(3233.4);
    expect(sumOnNanosecondGrid(durations)).toBe(3233.4); // audb.info.duration: 0 days 00:53:53.400000
    expect(sumOnNanosecondGrid([])).toBe(0);
    expect(sumOnNanosecondGrid([1e-9, 2e-9, 0.1, 0.2])).toBe(0.300000003);
  });

  test("beyond 2^53 nanoseconds (104 days) the sum is still exact to the nanosecond before the final rounding to a double", () => {
    const day = 86_400;
    const durations = [...new Array<number>(200).fill(day), ...new Array<number>(1000).fill(1e-9)];
    expect(sumOnNanosecondGrid(durations)).toBe(200 * day + 1e-6);
  });
});
