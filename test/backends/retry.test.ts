import { describe, expect, test } from "vitest";
import { backoffDelay, defaultRetryPolicy } from "../../backends/retry.js";

describe("retry policy", () => {
  test("the default policy waits out a store that throttles or restarts for a few seconds (QA 24 N1), and gives up within 10 s", () => {
    const waits = (random: number) => {
      const original = Math.random;
      Math.random = () => random;
      try {
        return Array.from({ length: defaultRetryPolicy.attempts - 1 }, (_, retry) => backoffDelay(defaultRetryPolicy, retry));
      } finally {
        Math.random = original;
      }
    };
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(waits(0))).toBeGreaterThanOrEqual(4000); // a 3 s burst of 503 SlowDown is outlasted however the dice fall
    expect(sum(waits(0.999999))).toBeLessThanOrEqual(10_000);
    for (const [retry, wait] of waits(0).entries()) expect(wait, `retry ${retry}`).toBeGreaterThan(0);
  });

  test("each wait lies between half and all of the doubled delay, capped", () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    for (let retry = 0; retry < 8; retry++) {
      const cap = Math.min(1000, 100 * 2 ** retry);
      for (let i = 0; i < 50; i++) {
        const wait = backoffDelay(policy, retry);
        expect(wait).toBeGreaterThanOrEqual(cap / 2);
        expect(wait).toBeLessThanOrEqual(cap);
      }
    }
  });
});
