// Retry with exponential backoff and equal jitter, for the network backends.

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  attempts: number;
  /** Delay before the first retry in ms; doubles each retry. */
  baseDelayMs: number;
  /** Upper bound of one delay in ms. */
  maxDelayMs: number;
}

/**
 * Default: 6 attempts, waits from 300 ms doubling up to 5 s: 4.7 - 9.3 s in all, so a
 * store that throttles (503 SlowDown) or restarts for a few seconds is waited out.
 */
export const defaultRetryPolicy: RetryPolicy = { attempts: 6, baseDelayMs: 300, maxDelayMs: 5000 };

const transientCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** Not worth a retry, but the same failure to reach the host: a name that does not resolve (a typo). */
const unreachableCodes = new Set(["ENOTFOUND"]);

/** True when `error` is a network failure that a retry may overcome. */
export function isTransientNetworkError(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code !== undefined && !unreachableCodes.has(code);
}

/** The network error code of `error` or of one of its causes (undici nests them), transient or not. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (transientCodes.has(code) || unreachableCodes.has(code))) return code;
    const name = (e as { name?: unknown }).name;
    if (name === "TimeoutError" || name === "AbortError") return String(name);
    if (e instanceof Error && /premature close|socket hang up|aborted|terminated/i.test(e.message)) return "ECONNRESET";
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Delay before retry number `retry` (0-based): half of the doubled delay, plus up to as much
 * again at random (equal jitter: spread out like full jitter, but never close to zero,
 * which used up the 6 attempts of the default policy within 1.5 - 2 s).
 */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return cap / 2 + (Math.random() * cap) / 2;
}

/**
 * Runs `attempt` until it succeeds, `isRetryable` says no, or the policy is used up.
 * `attempt` receives the 0-based attempt number. The last error is rethrown.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  isRetryable: (error: unknown) => boolean,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n + 1 >= policy.attempts || !isRetryable(error)) throw error;
      await new Promise((r) => setTimeout(r, backoffDelay(policy, n)));
    }
  }
}
