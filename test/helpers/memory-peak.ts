import * as v8 from "node:v8";
import * as vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

function jsMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Tracks the peak of live JS heap + array buffers above a baseline while sampled (every
 * 5 ms, and on `sample()`). Chunks already consumed but not yet collected are garbage, not
 * retention: when a sample exceeds `collectAbove` bytes, a full collection runs and the
 * sample is taken again, so only memory still held counts.
 */
export class MemoryPeak {
  private readonly base: number;
  private peak = 0;
  private readonly timer = setInterval(() => this.sample(), 5);

  constructor(private readonly collectAbove: number) {
    collectGarbage();
    this.base = jsMemory();
  }

  sample(): void {
    let used = jsMemory() - this.base;
    if (used > this.collectAbove) {
      collectGarbage();
      used = jsMemory() - this.base;
    }
    this.peak = Math.max(this.peak, used);
  }

  /** Stops sampling; returns the peak in bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}
