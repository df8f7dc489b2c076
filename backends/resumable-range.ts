import { Readable } from "node:stream";
import { backoffDelay, type RetryPolicy } from "./retry.js";

/** How {@link resumableRange} opens, judges and reports. */
export interface RangeSource {
  /** Streams bytes `start..end` (inclusive) of the object. */
  open(start: number, end: number): Promise<Readable>;
  /** True for failures worth another attempt (dropped connections, timeouts, 5xx). */
  retryable(error: unknown): boolean;
  /** The typed error to fail with, naming key and host. */
  translate(error: unknown): Error;
}

/**
 * Streams bytes `start..end` (inclusive); a transfer that drops is resumed from the first
 * byte not yet passed on, within `policy` (an attempt that made progress restarts the count).
 */
export function resumableRange(source: RangeSource, start: number, end: number, policy: RetryPolicy): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let next = start;
    let failures = 0;
    for (;;) {
      const before = next;
      try {
        for await (const chunk of await source.open(next, end)) {
          next += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
        return;
      } catch (error) {
        if (next > before) failures = 0;
        failures++;
        if (!source.retryable(error) || failures >= policy.attempts || next > end) throw source.translate(error);
        await new Promise((r) => setTimeout(r, backoffDelay(policy, failures - 1)));
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
