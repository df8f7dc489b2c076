import { parse } from "csv-parse/sync";
import { DEPENDENCY_COLUMNS, Dependencies, DependencyTableError, type CsvSource, type DependencyColumns } from "./dependencies.js";

const HEADER = "," + DEPENDENCY_COLUMNS.join(",");

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Row `i` as a line of `db.csv`, without the line break. */
function csvLine(c: Readonly<DependencyColumns>, i: number): string {
  return [
    quote(c.file[i]!), quote(c.archive[i]!), c.bitDepth[i], c.channels[i], quote(c.checksum[i]!),
    String(c.duration[i]), quote(c.format[i]!), c.removed[i], c.samplingRate[i], c.type[i], quote(c.version[i]!),
  ].join(",");
}

/**
 * Writes the table as audb's legacy `db.csv` (the content of `db.zip`): the header row
 * starts with an empty field, then one row per file in table order.
 */
export function dependenciesToCsv(deps: Dependencies): string {
  const c = deps.columns;
  const lines: string[] = [HEADER];
  for (let i = 0; i < deps.length; i++) lines.push(csvLine(c, i));
  return lines.join("\n") + "\n";
}

/**
 * {@link dependenciesToCsv} as UTF-8 bytes. For a table tied to the CSV it was written as
 * (`Dependencies.attachCsv`), the lines of unchanged rows are copied from there: a
 * republish changing 1 % of 10,000 rows writes 100 lines instead of 10,000.
 */
export function dependenciesToCsvBytes(deps: Dependencies): Buffer {
  const tied = deps.csvSource;
  return tied ? writeTiedCsv(deps, tied).bytes : Buffer.from(dependenciesToCsv(deps), "utf8");
}

/**
 * {@link dependenciesToCsvBytes} and where its lines start (see {@link csvLineStarts}),
 * known while writing when the table is tied to its previous CSV.
 */
export function dependenciesToCsvSource(deps: Dependencies): CsvSource & { bytes: Buffer } {
  const tied = deps.csvSource;
  if (tied) return writeTiedCsv(deps, tied);
  const bytes = Buffer.from(dependenciesToCsv(deps), "utf8");
  return { bytes, lineStarts: csvLineStarts(bytes) };
}

/** The CSV of a table tied to the one it was written as: unchanged lines copied from there, with where each line starts. */
function writeTiedCsv(deps: Dependencies, tied: NonNullable<Dependencies["csvSource"]>): CsvSource & { bytes: Buffer } {
  const { source: { bytes, lineStarts }, changed } = tied;
  const c = deps.columns;
  const starts = new Uint32Array(deps.length + 1);
  const parts: Uint8Array[] = [bytes.subarray(0, lineStarts[0])]; // the header
  let at = lineStarts[0]!; // where the next line starts in the new CSV
  let fresh: string[] = [];
  let copyFrom = -1;
  const flushCopy = (end: number) => {
    if (copyFrom < 0) return;
    const from = lineStarts[copyFrom]!;
    const shift = at - from;
    if (shift === 0) starts.set(lineStarts.subarray(copyFrom, end), copyFrom);
    else for (let r = copyFrom; r < end; r++) starts[r] = lineStarts[r]! + shift;
    parts.push(bytes.subarray(from, lineStarts[end]));
    at += lineStarts[end]! - from;
    copyFrom = -1;
  };
  for (let i = 0; i < deps.length; i++) {
    if (i < changed.length && changed[i] === 0) {
      if (fresh.length > 0) {
        parts.push(Buffer.from(fresh.join(""), "utf8"));
        fresh = [];
      }
      if (copyFrom < 0) copyFrom = i;
      const next = changed.indexOf(1, i); // a native scan to the next changed row
      i = (next < 0 ? changed.length : next) - 1;
      continue;
    }
    flushCopy(i);
    const line = csvLine(c, i) + "\n";
    starts[i] = at;
    at += Buffer.byteLength(line, "utf8");
    fresh.push(line);
  }
  flushCopy(Math.min(deps.length, changed.length));
  if (fresh.length > 0) parts.push(Buffer.from(fresh.join(""), "utf8"));
  starts[deps.length] = at;
  return { bytes: Buffer.concat(parts, at), lineStarts: starts };
}

/** Where each line of a `db.csv` ending in a line break starts (after the header), and its end: for `Dependencies.attachCsv`. */
export function csvLineStarts(bytes: Uint8Array): Uint32Array {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 10) return new Uint32Array(0); // matches no table
  // Searched in a latin1 string (a character per byte): String#indexOf costs less per call than Buffer#indexOf.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const starts: number[] = [];
  for (let at = text.indexOf("\n") + 1; at > 0 && at < text.length; at = text.indexOf("\n", at) + 1) starts.push(at);
  starts.push(text.length);
  return Uint32Array.from(starts);
}

function splitLine(line: string, lineNumber: number, source: string): string[] {
  if (!line.includes('"')) return line.split(",");
  try {
    return (parse(line) as string[][])[0] ?? [];
  } catch (e) {
    throw new DependencyTableError(`${source}: line ${lineNumber} is not valid CSV: ${(e as Error).message}`);
  }
}

function toInt(value: string, column: string, lineNumber: number, source: string): number {
  if (value === "") return 0;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new DependencyTableError(`${source}: line ${lineNumber}, column '${column}': '${value}' is not a number`);
  return Math.round(n);
}

/**
 * Parses audb's `db.csv` dependency table (written by audb < 1.7 with pandas or by
 * pyarrow, and by audb-ts). `source` names the file in error messages.
 */
export function dependenciesFromCsv(text: string, source = "db.csv"): Dependencies {
  const cols: { [K in keyof DependencyColumns]: DependencyColumns[K] extends string[] ? string[] : number[] } = {
    file: [], archive: [], bitDepth: [], channels: [], checksum: [], duration: [],
    format: [], removed: [], samplingRate: [], type: [], version: [],
  };
  const lines = text.split(/\r?\n/);
  const header = splitLine(lines[0] ?? "", 1, source);
  if (header.length !== 11 || header.slice(1).join(",") !== DEPENDENCY_COLUMNS.join(",")) {
    throw new DependencyTableError(`${source}: header row must be '${HEADER}', got '${lines[0] ?? ""}'`);
  }
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === "") continue;
    const v = splitLine(line, n + 1, source);
    if (v.length !== 11) throw new DependencyTableError(`${source}: line ${n + 1} has ${v.length} fields, expected 11`);
    cols.file.push(v[0]!);
    cols.archive.push(v[1]!);
    cols.bitDepth.push(toInt(v[2]!, "bit_depth", n + 1, source));
    cols.channels.push(toInt(v[3]!, "channels", n + 1, source));
    cols.checksum.push(v[4]!);
    const duration = v[5] === "" ? 0 : Number(v[5]);
    if (!Number.isFinite(duration)) throw new DependencyTableError(`${source}: line ${n + 1}, column 'duration': '${v[5]}' is not a number`);
    cols.duration.push(duration);
    cols.format.push(v[6]!);
    cols.removed.push(toInt(v[7]!, "removed", n + 1, source));
    cols.samplingRate.push(toInt(v[8]!, "sampling_rate", n + 1, source));
    cols.type.push(toInt(v[9]!, "type", n + 1, source));
    cols.version.push(v[10]!);
  }
  return new Dependencies(cols);
}
