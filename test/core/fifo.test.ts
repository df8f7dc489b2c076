import { describe, expect, test } from "vitest";
import { Fifo } from "../../src/core/fifo.js";

describe("Fifo", () => {
  test("gives items back in the order they came, across its compactions, interleaved with pushes", () => {
    const queue = new Fifo<number>();
    const taken: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) queue.push(next++);
      for (let i = 0; i < 250; i++) taken.push(queue.take()!);
    }
    expect(queue.length).toBe(next - taken.length);
    const rest = queue.drain();
    expect([...taken, ...rest]).toEqual(Array.from({ length: next }, (_, i) => i));
    expect([queue.length, queue.take()]).toEqual([0, undefined]);
    queue.push(7);
    expect([queue.length, queue.take(), queue.length]).toEqual([1, 7, 0]);
  });
});
