// Idle (inactivity) timeouts of the network backends: how long to wait for a server's
// answer or its next bytes before a transfer counts as dropped (and is retried).

/** Default idle timeout: 60 s without an answer or a byte from the server. */
export const defaultIdleTimeoutMs = 60_000;

/**
 * The idle timeout in ms: `explicit` (a backend option), else `AUDB_NETWORK_IDLE_TIMEOUT`
 * (seconds, fractions allowed), else {@link defaultIdleTimeoutMs}.
 */
export function idleTimeoutMs(explicit?: number): number {
  if (explicit !== undefined && explicit > 0) return explicit;
  const seconds = Number(process.env.AUDB_NETWORK_IDLE_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : defaultIdleTimeoutMs;
}

/** The server sent nothing for the idle timeout. Transient (code `ETIMEDOUT`): retries may cure it. */
export class IdleTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(what: string, readonly ms: number) {
    super(`no data for ${ms / 1000} s from ${what}`);
    this.name = "IdleTimeoutError";
  }
}

/**
 * Yields the chunks of `source`, failing with {@link IdleTimeoutError} when the next chunk
 * takes longer than `ms`. Only time spent waiting on the source counts (a slow consumer
 * never trips it). `abort` tears the source down on a timeout.
 */
export async function* idleGuard<T>(source: AsyncIterable<T>, ms: number, what: string, abort: (error: Error) => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const next = iterator.next();
      next.catch(() => undefined);
      const timeout = new Promise<never>((_, fail) => {
        timer = setTimeout(() => {
          const error = new IdleTimeoutError(what, ms);
          abort(error);
          fail(error);
        }, ms);
      });
      let result: IteratorResult<T>;
      try {
        result = await Promise.race([next, timeout]);
      } finally {
        clearTimeout(timer);
      }
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await iterator.return?.()?.catch(() => undefined);
  }
}

/** Runs `attempt` with an AbortSignal that fires an {@link IdleTimeoutError} unless it settles within `ms`. */
export async function withAnswerTimeout<T>(ms: number, what: string, attempt: (signal: AbortSignal) => Promise<T>, controller = new AbortController()): Promise<T> {
  const timer = setTimeout(() => controller.abort(new IdleTimeoutError(what, ms)), ms);
  try {
    return await attempt(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
