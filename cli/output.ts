import { eastAsianWidth } from "get-east-asian-width";
import type { ProgressListener } from "../src/core/progress.js";
import { progressRenderer } from "./progress.js";

/** How results and messages reach the user: text or JSON on stdout, notes and progress on stderr. */
export class Output {
  /** True once the reader of stdout went away (`audb stream ... | head`): nothing more is written. */
  closed = false;

  constructor(readonly json: boolean, readonly quiet: boolean) {
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      this.closed = true;
    });
  }

  /** Prints a command's result: `data` as JSON with `--json`, else `text` (nothing if empty). */
  result(data: unknown, text: string | (() => string)): void {
    if (this.closed) return;
    if (this.json) {
      process.stdout.write(JSON.stringify(data, bigintsAsDigits, 2) + "\n");
      return;
    }
    const body = typeof text === "function" ? text() : text;
    if (body !== "") process.stdout.write(body.endsWith("\n") ? body : body + "\n");
  }

  /**
   * Prints table rows as they come: with `--json` one JSON object a line (JSON Lines), else
   * tab-separated values under a header line of `names` (`header` true for the first rows).
   */
  rows(rows: Array<Record<string, unknown>>, names: string[], header: boolean): void {
    if (this.closed) return;
    const lines = this.json
      ? rows.map((row) => JSON.stringify(row, bigintsAsDigits))
      : [...(header ? [names.join("\t")] : []), ...rows.map((row) => names.map((n) => tsvField(row[n])).join("\t"))];
    if (lines.length > 0) process.stdout.write(lines.join("\n") + "\n");
  }

  /** A message on stderr, unless `--quiet`. */
  note(message: string): void {
    if (!this.quiet) process.stderr.write(`${message}\n`);
  }

  /**
   * Runs `task` with a progress display on stderr (bars on a terminal, a line every few
   * seconds otherwise, nothing with `--quiet`), closed however the task ends.
   */
  async withProgress<T>(task: (onProgress: ProgressListener) => Promise<T>): Promise<T> {
    const progress = await progressRenderer({ quiet: this.quiet, stream: process.stderr });
    try {
      return await task(progress.listener);
    } finally {
      progress.stop();
    }
  }
}

/** `rows` as text columns, padded to the widest cell, separated by two spaces. */
export function columns(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - displayWidth(cell)))).join("  ")).join("\n");
}

/**
 * Code points a terminal gives no column of their own (as wcwidth does): combining and
 * enclosing marks (a decomposed `ü` is `u` and one), format characters (zero-width space,
 * joiners, direction marks) and the vowel and final jamo of a decomposed Hangul syllable.
 */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff\ud7b0-\ud7ff]/u;

/**
 * Terminal columns `text` takes, a code point at a time as terminals count them (`.length`
 * counts UTF-16 units: an emoji as 2, a decomposed `ü` as 2): two for East Asian Wide and
 * Fullwidth ones (CJK, emoji in emoji presentation), none for {@link ZERO_WIDTH}, one for the rest.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += ZERO_WIDTH.test(char) ? 0 : eastAsianWidth(char.codePointAt(0)!);
  return width;
}

/** JSON replacer: header integers beyond 2^53 are bigints, given as their digits in a string. */
function bigintsAsDigits(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/** A value in a tab-separated line: NA empty, dates in ISO 8601, tabs and line breaks as spaces. */
function tsvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value, bigintsAsDigits) : String(value);
  return text.replace(/[\t\r\n]/g, " ");
}
