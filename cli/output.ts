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

/** East Asian wide and full-width characters and emoji: two terminal columns each. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]|\p{Extended_Pictographic}/u;
/** Combining marks (a decomposed `ü` is `u` and one): no column of their own. */
const ZERO_WIDTH = /[\p{M}\u200b-\u200f\ufe0f]/u;

/** Terminal columns `text` takes (`.length` counts UTF-16 units: an emoji as 2, a decomposed `ü` as 2). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += ZERO_WIDTH.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
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
