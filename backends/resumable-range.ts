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
  /**
   * The connection's idle timeout in ms, where it also runs while the consumer does not
   * read (S3's socket timeout): a failure right after the consumer held on to a chunk for
   * half of it or longer is the consumer's pause, resumed without counting it.
   */
  idleMs?: number;
}

/** Bytes an attempt must deliver before its failure counts as a new one: a server trickling a little before each stall is not waited on forever. */
const PROGRESS_BYTES = 64 * 1024;

/**
 * Streams bytes `start..end` (inclusive); a transfer that drops is resumed from the first
 * byte not yet passed on, within `policy` (an attempt that delivered 64 KiB or more
 * restarts the count). `first`: the stream of the first attempt, opened already (so that
 * its failure, a missing key or a denial, reaches the caller at once).
 */
export function resumableRange(source: RangeSource, start: number, end: number, policy: RetryPolicy, first?: Readable): Readable {
  let opened = first;
  async function* chunks(): AsyncGenerator<Buffer> {
    let next = start;
    let failures = 0;
    let heldMs = 0;
    for (;;) {
      const before = next;
      try {
        const stream = opened ?? (await source.open(next, end));
        opened = undefined;
        for await (const chunk of stream) {
          next += (chunk as Buffer).length;
          const yielded = performance.now();
          yield chunk as Buffer;
          heldMs = performance.now() - yielded;
        }
        return;
      } catch (error) {
        const paused = source.idleMs !== undefined && heldMs >= source.idleMs / 2;
        heldMs = 0;
        if (!source.retryable(error) || next > end) throw source.translate(error);
        if (paused) continue;
        if (next - before >= PROGRESS_BYTES) failures = 0;
        failures++;
        if (failures >= policy.attempts) throw source.translate(error);
        await new Promise((r) => setTimeout(r, backoffDelay(policy, failures - 1)));
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
