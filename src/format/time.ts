/**
 * Durations and dates as pandas writes and reads them.
 *
 * Durations (`time` dtype, segment starts and ends) are held as seconds in a
 * Float64Array (NaN = NaT) and converted to integer nanoseconds for output,
 * which is exact for durations below about 17 days.
 * Dates (`date` dtype) are held as milliseconds since the epoch (UTC, naive).
 */

const NS_PER_S = 1_000_000_000;
const NS_PER_DAY = 86_400 * NS_PER_S;

/** Seconds → integer nanoseconds. */
export function secondsToNs(seconds: number): number {
  return Math.round(seconds * NS_PER_S);
}

/** Seconds on the nanosecond grid, as pandas' `Timedelta` holds them (`0.1 + 0.2` → `0.3`). */
export function onNanosecondGrid(seconds: number): number {
  return Math.round(seconds * NS_PER_S) / NS_PER_S;
}

/**
 * The sum of durations in seconds, as pandas sums a `Timedelta` column: each on the
 * nanosecond grid, added exactly (a float sum drifts: 10,778 times 0.3 s made 3233.400000001).
 */
export function sumOnNanosecondGrid(seconds: Iterable<number>): number {
  let ns = 0;
  for (const s of seconds) ns += secondsToNs(s);
  if (Number.isSafeInteger(ns)) return ns / NS_PER_S;
  let exact = 0n; // beyond 2^53 ns (104 days) a double no longer holds every nanosecond
  for (const s of seconds) exact += BigInt(secondsToNs(s));
  return nsToSeconds(exact);
}

/** Integer nanoseconds (number or bigint) → seconds. */
export function nsToSeconds(ns: number | bigint): number {
  if (typeof ns === "bigint") {
    const whole = ns / 1_000_000_000n;
    const rest = ns - whole * 1_000_000_000n;
    return Number(whole) + Number(rest) / NS_PER_S;
  }
  return ns / NS_PER_S;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : "000000000".slice(0, width - s.length) + s;
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/** A duration's parts as pandas prints them: days (floored), then the time of day. */
function timedeltaParts(seconds: number): { days: number; clock: string; fraction: number } {
  const ns = secondsToNs(seconds);
  const days = Math.floor(ns / NS_PER_DAY);
  let rest = ns - days * NS_PER_DAY; // 0 <= rest < 1 day
  const hours = Math.floor(rest / (3600 * NS_PER_S));
  rest -= hours * 3600 * NS_PER_S;
  const minutes = Math.floor(rest / (60 * NS_PER_S));
  rest -= minutes * 60 * NS_PER_S;
  const secs = Math.floor(rest / NS_PER_S);
  const clock = days + (days < 0 ? " days +" : " days ") + pad2(hours) + ":" + pad2(minutes) + ":" + pad2(secs);
  return { days, clock, fraction: rest - secs * NS_PER_S };
}

/**
 * Format one duration given in seconds as `str(pd.Timedelta)` does: `0 days 00:00:01`,
 * `0 days 00:00:01.500000`, `0 days 00:00:01.500000001`, `-1 days +23:59:59`. NaN gives
 * `""` (NaT is written as an empty field). Columns: {@link timedeltaColumnFormatter}.
 */
export function formatTimedelta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "";
  const { clock, fraction } = timedeltaParts(seconds);
  if (fraction === 0) return clock;
  const digits = pad(fraction, 9);
  return `${clock}.${fraction % 1000 === 0 ? digits.slice(0, 6) : digits}`;
}

/** How pandas writes every duration of a column: see {@link timedeltaColumnFormatter}. */
type TimedeltaColumnFormat = "days" | "seconds" | "micros" | "nanos";

/**
 * Duration columns read from a CSV that pandas 2 wrote: each value with as many fraction
 * digits as it needs. Written back the same way, so that a table saved again unchanged
 * keeps its bytes (and md5).
 */
const perValueSpelled = new WeakSet<Float64Array>();

/** Whole-day columns read with a clock (`0 days 00:00:00`, as audb-ts wrote them before): written back so. */
const clockSpelledDays = new WeakSet<Float64Array>();

/**
 * Tracks how the durations of one CSV column are spelled, to tell pandas 2's spelling
 * (fraction digits per value: `00:00:00`, `00:00:01.500000`) from pandas 3's (one width for
 * the column: `00:00:00.000000`). Columns whose values all need the same width read the
 * same either way; they are written as pandas 3 does.
 */
export class TimedeltaSpelling {
  private widths = 0;
  private padded = false;
  private clock = false;

  /** Notes the spelling of one value (not NaT) as it stood in the file. */
  see(text: string): void {
    if (text.includes(":")) this.clock = true;
    const dot = text.lastIndexOf(".");
    const width = dot < 0 ? 0 : text.length - dot - 1;
    this.widths |= width === 0 ? 1 : width === 6 ? 2 : 4;
    if ((width === 6 && text.endsWith("000000")) || (width === 9 && text.endsWith("000"))) this.padded = true;
  }

  /** Marks `values` (the column as read) to be written back per value if pandas 2 spelled them. */
  apply(values: Float64Array): void {
    const mixed = (this.widths & (this.widths - 1)) !== 0; // more than one width
    if (mixed && !this.padded) perValueSpelled.add(values);
    if (this.clock) clockSpelledDays.add(values);
  }
}

/**
 * Format durations (seconds; NaN = NaT) the way pandas 3 writes a timedelta column or
 * index level to CSV, one format for all of its values: `1 days` when every value is a
 * whole number of days, `0 days 00:00:01` when every value is whole seconds, 9 fraction
 * digits when some value has nanoseconds, else 6 (`0 days 00:00:00.000000`). Columns read
 * as pandas 2 spelled them keep its spelling ({@link TimedeltaSpelling}), which differs in
 * the fraction only: as many digits as each value needs.
 */
export function timedeltaColumnFormatter(values: ArrayLike<number>): (seconds: number) => string {
  let format: TimedeltaColumnFormat = "days";
  for (let i = 0; i < values.length && format !== "nanos"; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const ns = secondsToNs(v);
    if (ns % 1000 !== 0) format = "nanos";
    else if (ns % NS_PER_S !== 0) format = "micros";
    else if (ns % NS_PER_DAY !== 0 && format === "days") format = "seconds";
  }
  if (values instanceof Float64Array) {
    if (format !== "days" && perValueSpelled.has(values)) return formatTimedelta;
    if (format === "days" && clockSpelledDays.has(values)) format = "seconds";
  }
  return (seconds: number) => {
    if (!Number.isFinite(seconds)) return "";
    const { days, clock, fraction } = timedeltaParts(seconds);
    switch (format) {
      case "days":
        return `${days} days`;
      case "seconds":
        return clock;
      case "micros":
        return `${clock}.${pad(fraction, 9).slice(0, 6)}`;
      case "nanos":
        return `${clock}.${pad(fraction, 9)}`;
    }
  };
}

const UNIT_NS: Record<string, number> = {
  ns: 1,
  nanosecond: 1,
  nanoseconds: 1,
  us: 1e3,
  µs: 1e3,
  microsecond: 1e3,
  microseconds: 1e3,
  ms: 1e6,
  millisecond: 1e6,
  milliseconds: 1e6,
  s: 1e9,
  sec: 1e9,
  second: 1e9,
  seconds: 1e9,
  m: 60e9,
  min: 60e9,
  minute: 60e9,
  minutes: 60e9,
  h: 3600e9,
  hr: 3600e9,
  hour: 3600e9,
  hours: 3600e9,
  d: 86400e9,
  day: 86400e9,
  days: 86400e9,
  w: 604800e9,
  week: 604800e9,
  weeks: 604800e9,
};

/** pandas' upper-case unit aliases (`1W`, `2H`, `30S`, `5L`). */
const UNIT_ALIASES: Record<string, string> = { W: "w", D: "d", H: "h", T: "min", S: "s", L: "ms", U: "us", N: "ns" };

/** Nanoseconds in one `unit` as pandas spells it, or undefined. */
function unitNs(unit: string): number | undefined {
  return UNIT_NS[UNIT_ALIASES[unit] ?? unit];
}

/** Several number-unit pairs (`1 days 2 hours`, `1h30m`, `2 hours, 3 min`). */
const RE_UNITS = /^([+-])?\s*((?:(?:\d+\.?\d*|\.\d+)\s*[A-Za-zµ]+\s*,?\s*)+)$/;
const RE_UNIT_PART = /(\d+\.?\d*|\.\d+)\s*([A-Za-zµ]+)/g;
/** ISO 8601 durations (`P1DT2H3M4.5S`, `-P1D`). */
const RE_ISO = /^([+-])?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Seconds of a duration in several units or in ISO 8601, as pandas reads them; undefined if it is neither. */
function unitsOrIso(text: string): number | undefined {
  let m = RE_ISO.exec(text);
  if (m && text !== "P" && text.slice(-1) !== "T") {
    return signedSeconds(m[1], Number(m[2] ?? 0) * 86400e9 + Number(m[3] ?? 0) * 3600e9 + Number(m[4] ?? 0) * 60e9 + Number(m[5] ?? 0) * 1e9);
  }
  m = RE_UNITS.exec(text);
  if (!m) return undefined;
  let ns = 0;
  for (const [, amount, unit] of m[2]!.matchAll(RE_UNIT_PART)) {
    const factor = unitNs(unit!);
    if (factor === undefined) return undefined;
    ns += Number(amount) * factor;
  }
  return signedSeconds(m[1], ns);
}

/** Seconds of `ns` nanoseconds (rounded to whole ones), negated for a `-` sign. */
function signedSeconds(sign: string | undefined, ns: number): number {
  return (sign === "-" ? -Math.round(ns) : Math.round(ns)) / NS_PER_S;
}

const RE_DAYS =
  /^([+-])?\s*(\d+)\s*days?\s*,?\s*(?:([+-])?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d*))?)?$/;
const RE_CLOCK = /^([+-])?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d*))?$/;
const RE_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RE_INTEGER = /^[+-]?\d+$/;
const RE_UNIT = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-zµ]+)$/;

function fractionNs(frac: string | undefined): number {
  if (!frac) return 0;
  return Number((frac + "000000000").slice(0, 9));
}

function clockNs(h: string, m: string, s: string, frac: string | undefined): number {
  return (Number(h) * 3600 + Number(m) * 60 + Number(s)) * NS_PER_S + fractionNs(frac);
}

/** Values read as NaT. */
export function isNaTString(text: string): boolean {
  return text === "" || text === "NaT" || text === "nat" || text === "NAT";
}

/**
 * Parse a duration as pandas writes it (`0 days 00:00:01.500000001`,
 * `-1 days +23:59:59`, `00:00:01.5`), with a unit (`1.5s`, `100ms`), or as
 * pandas reads a number without a unit: whole nanoseconds (`2`), a fraction being
 * no duration (`1.5`). Returns seconds, NaN for an empty string / `NaT`, or
 * `undefined` if the text is not a duration.
 */
const RE_PANDAS = /^(-?\d+) days ([+-]?)(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/;

/** Fast path for exactly what pandas writes: `D days [+-]HH:MM:SS[.fffffffff]`. Returns ns or NaN. */
function parsePandasNs(s: string): number {
  const n = s.length;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  let days = 0;
  const d0 = i;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    days = days * 10 + c;
  }
  if (i === d0 || s.slice(i, i + 6) !== " days ") return NaN;
  i += 6;
  let sign = 1;
  const sc = s.charCodeAt(i);
  if (sc === 43) i++;
  else if (sc === 45) {
    sign = -1;
    i++;
  }
  if (n < i + 8 || s.charCodeAt(i + 2) !== 58 || s.charCodeAt(i + 5) !== 58) return NaN;
  const two = (at: number) => {
    const a = s.charCodeAt(at) - 48;
    const b = s.charCodeAt(at + 1) - 48;
    return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
  };
  const secs = two(i) * 3600 + two(i + 3) * 60 + two(i + 6);
  if (Number.isNaN(secs)) return NaN;
  i += 8;
  let frac = 0;
  if (i < n) {
    if (s.charCodeAt(i) !== 46) return NaN;
    i++;
    let digits = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return NaN;
      if (digits < 9) {
        frac = frac * 10 + c;
        digits++;
      }
    }
    if (digits === 0) return NaN;
    for (; digits < 9; digits++) frac *= 10;
  }
  return (neg ? -days : days) * NS_PER_DAY + sign * (secs * NS_PER_S + frac);
}

export function parseTimedelta(input: string): number | undefined {
  const fast = parsePandasNs(input);
  if (!Number.isNaN(fast)) return fast / NS_PER_S;
  let m = RE_PANDAS.exec(input);
  if (m) {
    const t = (Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5])) * NS_PER_S + (m[6] ? fractionNs(m[6]) : 0);
    return (Number(m[1]) * NS_PER_DAY + (m[2] === "-" ? -t : t)) / NS_PER_S;
  }
  const text = input.trim();
  if (isNaTString(text)) return NaN;
  m = RE_DAYS.exec(text);
  if (m) {
    const days = Number(m[2]) * (m[1] === "-" ? -1 : 1);
    let ns = days * NS_PER_DAY;
    if (m[4] !== undefined) {
      const t = clockNs(m[4], m[5], m[6], m[7]);
      ns += m[3] === "-" ? -t : t;
    }
    return ns / NS_PER_S;
  }
  m = RE_CLOCK.exec(text);
  if (m) {
    const t = clockNs(m[2], m[3], m[4], m[5]);
    return (m[1] === "-" ? -t : t) / NS_PER_S;
  }
  // A number without a unit is nanoseconds to pandas (pd.to_timedelta("2") is 2 ns), and a
  // fraction or exponent without one is an error there.
  if (RE_INTEGER.test(text)) return Number(text) / NS_PER_S;
  if (RE_NUMBER.test(text)) return undefined;
  m = RE_UNIT.exec(text);
  if (m) {
    const factor = unitNs(m[2]!);
    if (factor !== undefined) return (Number(m[1]) * factor) / NS_PER_S;
  }
  return unitsOrIso(text);
}

const RE_DATE =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d*))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parse a date / timestamp (`2020-01-01`, `2020-01-01 12:30:00.500`,
 * ISO 8601 with `T` and an optional offset). Returns milliseconds since the
 * epoch (UTC), NaN for empty / `NaT`, or `undefined` if not a date.
 */
export function parseDate(input: string): number | undefined {
  const text = input.trim();
  if (isNaTString(text)) return NaN;
  const m = RE_DATE.exec(text);
  if (!m) return undefined;
  let ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    m[4] ? Number(m[4]) : 0,
    m[5] ? Number(m[5]) : 0,
    m[6] ? Number(m[6]) : 0,
  );
  if (m[7]) ms += Math.floor(fractionNs(m[7]) / 1e6);
  if (m[8] && m[8] !== "Z") {
    const sign = m[8][0] === "-" ? -1 : 1;
    const digits = m[8].slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
    ms -= sign * offset * 60_000;
  }
  return ms;
}

/**
 * Format dates (ms since epoch) the way pandas writes a datetime column to
 * CSV: all at midnight → `YYYY-MM-DD`; otherwise `YYYY-MM-DD HH:MM:SS`, with
 * `.fff` if any value has milliseconds. The format is chosen per column.
 */
export function dateColumnFormatter(values: ArrayLike<number>): (ms: number) => string {
  let dateOnly = true;
  let withMs = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const inDay = ((v % 86_400_000) + 86_400_000) % 86_400_000;
    if (inDay !== 0) dateOnly = false;
    if (inDay % 1000 !== 0) withMs = true;
  }
  return (ms: number) => {
    if (!Number.isFinite(ms)) return "";
    const d = new Date(ms);
    if (dateOnly) return calendarDate(d);
    const s = dateAndClock(d);
    return withMs ? `${s}.${pad(d.getUTCMilliseconds(), 3)}` : s;
  };
}

function calendarDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** `YYYY-MM-DD HH:MM:SS` (UTC). */
function dateAndClock(d: Date): string {
  return `${calendarDate(d)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

/**
 * Format one date (ms since epoch) as `str(pd.Timestamp)` does, which is how pandas writes
 * a timestamp held in an `object` column (audformat's columns without a scheme):
 * `2024-01-02 00:00:00`, and `2024-01-03 04:05:06.789000` when it has a fraction.
 */
export function formatTimestamp(ms: number): string {
  if (!Number.isFinite(ms)) return "";
  const d = new Date(ms);
  const fraction = d.getUTCMilliseconds();
  return fraction === 0 ? dateAndClock(d) : `${dateAndClock(d)}.${pad(fraction, 3)}000`;
}
