import type { ProgressListener } from "../src/core/progress.js";
import { progressRenderer } from "./progress.js";

/** How results and messages reach the user: text or JSON on stdout, notes and progress on stderr. */
export class Output {
  constructor(readonly json: boolean, readonly quiet: boolean) {}

  /** Prints a command's result: `data` as JSON with `--json`, else `text` (nothing if empty). */
  result(data: unknown, text: string | (() => string)): void {
    if (this.json) {
      // Header integers beyond 2^53 are bigints: their digits, as a string.
      process.stdout.write(JSON.stringify(data, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
      return;
    }
    const body = typeof text === "function" ? text() : text;
    if (body !== "") process.stdout.write(body.endsWith("\n") ? body : body + "\n");
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
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n");
}
