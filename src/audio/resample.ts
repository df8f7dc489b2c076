/**
 * Sample-rate conversion with Kaiser-windowed sinc FIR filters, zero group delay.
 *
 * - Quality at every ratio: passband flat to 0.91 of the lower Nyquist frequency (ripple
 *   below 0.0001 dB), aliases and images below -120 dB (filters designed for -126 dB; cutoff
 *   0.955 of the lower Nyquist, stopband from 1.0), zero group delay: output sample k is
 *   the band-limited input at time k / outRate, so a tone keeps its phase.
 * - Length: over process() + flush() exactly Math.round(n * outRate / inRate) samples
 *   for n input samples. The signal is taken as zero before its start and after its end.
 * - Two stages (see plan() in resample-design.ts): downsampling runs a relaxed polyphase
 *   filter (rational ratio L/M reduced, one coefficient table per ratio, cached) to twice the
 *   output rate, then a sharp decimator by 2; upsampling runs a sharp interpolator by 2, then
 *   a relaxed polyphase filter. The sharp filter is the same for every pair, and the wasm
 *   kernel applies it by FFT (overlap-save). `twoStage: false` (internal, for tests) gives
 *   the single sharp polyphase filter instead.
 * - Streaming: blocks in, blocks out; the state is the filters' history (a few thousand
 *   samples per channel) and integer counters, so memory does not grow with the signal.
 *   Output comes out as soon as it is complete (the wasm decimator and interpolator work in
 *   blocks of 1,680 and 3,360 outputs), and is the same, bit for bit, however the input is cut.
 * - Multichannel audio is planar: one Float32Array per channel, all of equal length,
 *   in and out. Channels are filtered independently with the same filters.
 * - Kernels: "wasm" (WebAssembly SIMD built from src/audio/wasm/resample.c, embedded) or
 *   "js" (plain TypeScript, direct convolution, for runtimes without WebAssembly SIMD);
 *   "auto" (default) takes wasm when the runtime can run it. Both give the same signal
 *   within float32 rounding (1e-6).
 * - Equal input and output rates copy the samples.
 */
import { AudbError } from "../errors.js";
import { type Dec2Table, type Plan, type PolyTable, plan, ratio } from "./resample-design.js";
import { type Kernel, jsKernel, wasmKernel } from "./resample-kernel.js";

/** Bad sampling rates (not positive integers), a channel count or block shape that does not match, a stream used after flush(). */
export class ResampleError extends AudbError {}

export type ResampleKernel = "auto" | "wasm" | "js";

export interface ResampleOptions {
  /** Inner loop: "auto" (default: wasm when available), "wasm" (error if unavailable) or "js". */
  kernel?: ResampleKernel;
}

function checkRate(name: string, rate: unknown): number {
  if (typeof rate !== "number" || !Number.isSafeInteger(rate) || rate <= 0) {
    throw new ResampleError(`${name} must be a positive integer number of Hz, got ${String(rate)}`);
  }
  return rate;
}

/** Output length of resampling n samples: Math.round(n * outRate / inRate). */
export function resampledLength(n: number, inRate: number, outRate: number): number {
  checkRate("inRate", inRate);
  checkRate("outRate", outRate);
  if (!Number.isSafeInteger(n) || n < 0) throw new ResampleError(`sample count must be a non-negative integer, got ${n}`);
  const { L, M } = ratio(inRate, outRate);
  return roundRatio(n, L, M);
}

/** round(n * L / M), half up, in exact integer arithmetic while n * L stays below 2^53. */
function roundRatio(n: number, L: number, M: number): number {
  const p = n * L;
  if (p <= Number.MAX_SAFE_INTEGER) {
    const q = Math.floor(p / M);
    const rem = p - q * M;
    return 2 * rem >= M ? q + 1 : q;
  }
  return Math.round((n * L) / M);
}

/** floor(a / b) for integers |a| < 2^53 and positive b, exactly. */
function floorDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b - (r < 0 ? 1 : 0);
}

function ceilDiv(a: number, b: number): number {
  return -floorDiv(-a, b);
}

function pickKernel(kernel: ResampleKernel | undefined): Kernel {
  const want = kernel ?? "auto";
  if (want === "js") return jsKernel;
  if (want !== "auto" && want !== "wasm") throw new ResampleError(`kernel must be "auto", "wasm" or "js", got ${String(want)}`);
  const { kernel: wasm, error } = wasmKernel();
  if (wasm !== null) return wasm;
  if (want === "wasm") {
    throw new ResampleError(`the WebAssembly SIMD kernel cannot run here (${String(error)}); use kernel: "js"`, { cause: error });
  }
  return jsKernel;
}

/**
 * One filter of a chain. Positions are absolute sample indices at the stage's input and output
 * rates, 0 being the signal's first sample (the same instant at every rate). A stage keeps its
 * input history, all channels alike: positions [pos, pos + len) in bufs[c][start .. start + len).
 * Before the signal's start the input is zero, except that a stage fed by another stage receives
 * that stage's outputs from `inputStart` < 0 on: the filtered signal starts before the signal
 * does, and the chain matches the single filter only if it is passed on whole (its end likewise:
 * supportEnd()).
 */
abstract class Stage {
  protected bufs: Float32Array[];
  protected start = 0;
  protected len = 0;
  /** Absolute input position of bufs[c][start]. */
  protected pos: number;
  /** Input samples received (from position inputStart on). */
  received = 0;
  /** Position of the next output. */
  next: number;

  constructor(
    protected readonly channels: number,
    protected readonly kernel: Kernel,
    /** Position of the first input sample pushed. */
    protected readonly inputStart: number,
    /** Position of the first output. */
    readonly first: number,
    /** Position of the first input sample the first output reads. */
    bufferStart: number,
  ) {
    const lead = Math.max(0, inputStart - bufferStart);
    this.bufs = Array.from({ length: channels }, () => new Float32Array(Math.max(1024, 2 * lead)));
    this.pos = inputStart - lead;
    this.len = lead;
    this.next = first;
  }

  /** Appends n samples per channel (block[c], or zeros when block is null). */
  protected append(block: Float32Array[] | null, n: number): void {
    if (n <= 0) return;
    const cap = this.bufs[0]!.length;
    if (this.start + this.len + n > cap) {
      if (this.len + n <= cap) {
        for (const b of this.bufs) b.copyWithin(0, this.start, this.start + this.len);
      } else {
        const size = Math.max(2 * cap, this.len + n + (this.len >> 1));
        this.bufs = this.bufs.map((b) => {
          const nb = new Float32Array(size);
          nb.set(b.subarray(this.start, this.start + this.len));
          return nb;
        });
      }
      this.start = 0;
    }
    const at = this.start + this.len;
    for (let c = 0; c < this.channels; c++) {
      if (block === null) this.bufs[c]!.fill(0, at, at + n);
      else this.bufs[c]!.set(block[c]!, at);
    }
    this.len += n;
  }

  /** Forgets the samples before absolute position `p`. */
  protected dropBefore(p: number): void {
    const d = Math.min(Math.max(0, p - this.pos), this.len);
    this.start += d;
    this.len -= d;
    this.pos += d;
    if (this.len === 0) this.start = 0;
  }

  /** Absolute position just past the last sample held (real or padding). */
  protected get end(): number {
    return this.pos + this.len;
  }

  push(block: Float32Array[]): void {
    const n = block[0]!.length;
    this.append(block, n);
    this.received += n;
  }

  /**
   * Runs the filter: with `target` null, over what the history allows now; else up to output
   * position `target` (exclusive), taking the input as zero past what was received.
   */
  abstract run(target: number | null): Float32Array[];

  /** Position just past the last output that reads a received sample. */
  abstract supportEnd(): number;

  protected outputs(n: number): Float32Array[] {
    return Array.from({ length: this.channels }, () => new Float32Array(n));
  }
}

class PolyStage extends Stage {
  /**
   * @param last the chain's last stage: outputs from position 0; else from the first output
   *   whose window reaches the input (negative: the next stage needs them).
   */
  constructor(
    channels: number,
    kernel: Kernel,
    private readonly table: PolyTable,
    inputStart: number,
    last: boolean,
  ) {
    const { L, M, jlo, T } = table;
    // First output reading a sample at or after inputStart: ip(k) + jlo + T - 1 >= inputStart.
    const first = last ? 0 : ceilDiv((inputStart - jlo - T + 1) * L, M);
    super(channels, kernel, inputStart, first, floorDiv(first * M, L) + jlo);
  }

  /** Integer input position of output k: floor(k * M / L). */
  private ip(k: number): number {
    return floorDiv(k * this.table.M, this.table.L);
  }

  supportEnd(): number {
    // Outputs whose window starts at or before the last received sample: ip(k) + jlo <= lastIn.
    const { L, M, jlo } = this.table;
    const lastIn = this.inputStart + this.received - 1;
    return floorDiv((lastIn - jlo + 1) * L - 1, M) + 1;
  }

  run(target: number | null): Float32Array[] {
    const { L, M, jlo, T } = this.table;
    let n: number;
    if (target === null) {
      // Outputs whose whole window has arrived: ip(k) <= end - jlo - T.
      const a = this.end - jlo - T;
      n = Math.max(0, floorDiv((a + 1) * L - 1, M) + 1 - this.next);
    } else {
      n = Math.max(0, target - this.next);
      if (n > 0) {
        const need = this.ip(target - 1) + jlo + T;
        if (need > this.end) this.append(null, need - this.end);
      }
    }
    const out = this.outputs(n);
    if (n > 0) {
      const k = this.next;
      const xOff = this.start + (this.ip(k) + jlo - this.pos);
      const phase = k * M - this.ip(k) * L;
      for (let c = 0; c < this.channels; c++) this.kernel.poly(this.bufs[c]!, xOff, this.table, phase, out[c]!, 0, n);
      this.next += n;
    }
    this.dropBefore(this.ip(this.next) + jlo);
    return out;
  }
}

/** The sharp decimator by 2; always the last stage (outputs from position 0). */
class Dec2Stage extends Stage {
  constructor(
    channels: number,
    kernel: Kernel,
    private readonly table: Dec2Table,
    inputStart: number,
  ) {
    super(channels, kernel, inputStart, 0, -table.K);
  }

  supportEnd(): number {
    // Outputs m with 2m - K <= last received position.
    return floorDiv(this.inputStart + this.received - 1 + this.table.K, 2) + 1;
  }

  run(target: number | null): Float32Array[] {
    const { K } = this.table;
    const kernel = this.kernel;
    // The kernel's local position 0: absolute position 2 * next - K.
    const avail = this.end - (2 * this.next - K);
    let n: number;
    if (target === null) {
      // Whole blocks (counted from output 0) whose samples have all arrived.
      const block = kernel.dec2Block(this.table);
      let blocks = Math.floor(Math.max(0, avail - kernel.dec2Span(this.table, block)) / (2 * block));
      if (kernel.dec2Span(this.table, (blocks + 1) * block) <= avail) blocks++;
      n = blocks * block;
    } else {
      n = Math.max(0, target - this.next);
      const need = kernel.dec2Span(this.table, n);
      if (need > avail) this.append(null, need - avail);
    }
    const out = this.outputs(n);
    if (n > 0) {
      const xOff = this.start + (2 * this.next - K - this.pos);
      for (let c = 0; c < this.channels; c++) kernel.dec2(this.bufs[c]!, xOff, this.table, out[c]!, 0, n);
      this.next += n;
    }
    this.dropBefore(2 * this.next - K);
    return out;
  }
}

/** The sharp interpolator by 2; always the first stage (input from position 0). */
class Int2Stage extends Stage {
  constructor(
    channels: number,
    kernel: Kernel,
    private readonly table: Dec2Table,
    last: boolean,
  ) {
    // Output k reads inputs i with |k - 2i| <= K: from k = -K on, they reach the signal.
    const first = last ? 0 : -table.K;
    super(channels, kernel, 0, first, first / 2 - table.K / 2);
  }

  supportEnd(): number {
    // Outputs k with k - K <= 2 * (last received position).
    return 2 * (this.received - 1) + this.table.K + 1;
  }

  run(target: number | null): Float32Array[] {
    const half = this.table.K / 2;
    const kernel = this.kernel;
    // The kernel's local position 0: absolute position next/2 - K/2 (`next` stays even but
    // after the last call: blocks are even and start at `first`, which is even).
    const origin = floorDiv(this.next, 2) - half;
    const avail = this.end - origin;
    let n: number;
    if (target === null) {
      const block = kernel.int2Block(this.table);
      let blocks = Math.floor(Math.max(0, avail - kernel.int2Span(this.table, block)) / (block / 2));
      if (kernel.int2Span(this.table, (blocks + 1) * block) <= avail) blocks++;
      n = blocks * block;
    } else {
      n = Math.max(0, target - this.next);
      const need = kernel.int2Span(this.table, n);
      if (need > avail) this.append(null, need - avail);
    }
    const out = this.outputs(n);
    if (n > 0) {
      const xOff = this.start + (origin - this.pos);
      for (let c = 0; c < this.channels; c++) kernel.int2(this.bufs[c]!, xOff, this.table, out[c]!, 0, n);
      this.next += n;
    }
    this.dropBefore(floorDiv(this.next, 2) - half);
    return out;
  }
}

/** Internal options on top of the public ones (tests compare the single- and two-stage paths). */
interface InternalOptions extends ResampleOptions {
  twoStage?: boolean;
}

/** Input samples per pass through the filters: keeps every buffer small and in cache. */
const WHOLE_BLOCK = 1 << 16;

/**
 * Streaming resampler. Feed planar blocks (one Float32Array per channel, equal lengths) to
 * process(); each call returns the output that is complete so far (planar, possibly empty).
 * flush() ends the stream and returns the rest. Over the whole stream the output has exactly
 * resampledLength(n, inRate, outRate) samples per channel, time-aligned with the input.
 */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly channels: number;
  /** The inner loop in use. */
  readonly kernel: "wasm" | "js";
  private readonly stages: Stage[];
  private received = 0;
  private flushed = false;

  constructor(inRate: number, outRate: number, channels: number, options?: ResampleOptions) {
    this.inRate = checkRate("inRate", inRate);
    this.outRate = checkRate("outRate", outRate);
    if (!Number.isSafeInteger(channels) || channels < 1) {
      throw new ResampleError(`channels must be a positive integer, got ${String(channels)}`);
    }
    this.channels = channels;
    const twoStage = (options as InternalOptions | undefined)?.twoStage ?? true;
    const kernel = pickKernel(options?.kernel);
    this.kernel = kernel.name;
    let p: Plan;
    try {
      p = plan(inRate, outRate, twoStage);
    } catch (error) {
      if (error instanceof RangeError) throw new ResampleError(`cannot resample ${inRate} Hz to ${outRate} Hz: ${error.message}`);
      throw error;
    }
    this.stages = [];
    let inputStart = 0;
    p.stages.forEach((spec, i) => {
      const last = i === p.stages.length - 1;
      const stage =
        spec.kind === "poly"
          ? new PolyStage(channels, kernel, spec.table, inputStart, last)
          : spec.kind === "dec2"
            ? new Dec2Stage(channels, kernel, spec.table, inputStart)
            : new Int2Stage(channels, kernel, spec.table, last);
      this.stages.push(stage);
      inputStart = stage.first;
    });
  }

  private check(block: Float32Array[]): number {
    if (this.flushed) throw new ResampleError("process() after flush(): this stream has ended");
    if (!Array.isArray(block) || block.length !== this.channels) {
      throw new ResampleError(
        `expected ${this.channels} channel${this.channels === 1 ? "" : "s"} (planar, one Float32Array each), got ${Array.isArray(block) ? block.length : typeof block}`,
      );
    }
    const n = block[0]!.length;
    for (let c = 0; c < block.length; c++) {
      if (!(block[c] instanceof Float32Array)) throw new ResampleError(`channel ${c} is not a Float32Array`);
      if (block[c]!.length !== n) {
        throw new ResampleError(`channels differ in length: channel 0 has ${n} samples, channel ${c} has ${block[c]!.length}`);
      }
    }
    return n;
  }

  /** Feeds one planar block; returns the output available so far (planar). */
  process(block: Float32Array[]): Float32Array[] {
    const n = this.check(block);
    this.received += n;
    if (this.stages.length === 0) return block.map((b) => b.slice());
    if (n <= WHOLE_BLOCK) return this.run(block);
    // A long block goes through in pieces, so the filters' buffers stay small.
    const parts: Float32Array[][] = [];
    for (let i = 0; i < n; i += WHOLE_BLOCK) parts.push(this.run(block.map((b) => b.subarray(i, i + WHOLE_BLOCK))));
    return block.map((_, c) => {
      const out = new Float32Array(parts.reduce((sum, p) => sum + p[c]!.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p[c]!, at);
        at += p[c]!.length;
      }
      return out;
    });
  }

  private run(block: Float32Array[]): Float32Array[] {
    let data = block;
    for (const stage of this.stages) {
      stage.push(data);
      data = stage.run(null);
    }
    return data;
  }

  /** Ends the stream and returns the rest of the output (planar). */
  flush(): Float32Array[] {
    if (this.flushed) return Array.from({ length: this.channels }, () => new Float32Array(0));
    this.flushed = true;
    const { L, M } = ratio(this.inRate, this.outRate);
    const total = roundRatio(this.received, L, M);
    if (this.stages.length === 0) return Array.from({ length: this.channels }, () => new Float32Array(0));
    let pending: Float32Array[] | null = null;
    for (let i = 0; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      if (pending !== null) stage.push(pending);
      const last = i === this.stages.length - 1;
      const out = stage.run(last ? total : stage.supportEnd());
      if (last) return out;
      pending = out;
    }
    throw new Error("unreachable");
  }
}


/** Resamples a whole planar signal (one Float32Array per channel, equal lengths). */
export function resample(channels: Float32Array[], inRate: number, outRate: number, options?: ResampleOptions): Float32Array[] {
  checkRate("inRate", inRate);
  checkRate("outRate", outRate);
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new ResampleError("expected at least one channel (planar, one Float32Array each)");
  }
  const r = new Resampler(inRate, outRate, channels.length, options);
  const n = channels[0]!.length;
  for (let c = 1; c < channels.length; c++) {
    if (channels[c]?.length !== n) throw new ResampleError(`channels differ in length: channel 0 has ${n} samples, channel ${c} has ${channels[c]?.length}`);
  }
  const out = channels.map(() => new Float32Array(resampledLength(n, inRate, outRate)));
  let at = 0;
  const put = (part: Float32Array[]) => {
    for (let c = 0; c < out.length; c++) out[c]!.set(part[c]!, at);
    at += part[0]!.length;
  };
  for (let i = 0; i < n; i += WHOLE_BLOCK) put(r.process(channels.map((ch) => ch.subarray(i, i + WHOLE_BLOCK))));
  put(r.flush());
  return out;
}
