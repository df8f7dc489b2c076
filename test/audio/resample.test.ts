import { describe, expect, test, vi } from "vitest";
import { AudbError } from "../../src/errors.js";
import { besselI0, plan } from "../../src/audio/resample-design.js";
import { setWasmTableBudget } from "../../src/audio/resample-kernel.js";
import { type ResampleOptions, Resampler, ResampleError, resample, resampledLength } from "../../src/audio/resample.js";

const RATES = [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000];
const PAIRS: [number, number][] = RATES.flatMap((a) => RATES.filter((b) => b !== a).map((b): [number, number] => [a, b]));
const KERNELS = ["wasm", "js"] as const;

// Bounds of issue 5.
const MAX_RIPPLE_DB = 0.01;
const MAX_ALIAS_DB = -120;
const MIN_SNR_DB = 110;

// Test signals: DURATION seconds; measurements skip EDGE seconds at both ends, where the
// zero padding before and after the signal is within the filters' reach (at most ~12 ms at 8 kHz).
const DURATION = 0.12;
const EDGE = 0.02;

const db = (x: number) => 20 * Math.log10(x);

function tone(rate: number, n: number, freq: number, amp: number, phase = 0): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate + phase);
  return x;
}

const windows = new Map<number, Float64Array>();
/** Kaiser window, beta 20: sidelobes far below -150 dB, main lobe +-6.5 bins. */
function kaiserWindow(n: number): Float64Array {
  let w = windows.get(n);
  if (w === undefined) {
    w = new Float64Array(n);
    const i0b = besselI0(20);
    for (let i = 0; i < n; i++) {
      const u = (2 * i) / (n - 1) - 1;
      w[i] = besselI0(20 * Math.sqrt(Math.max(0, 1 - u * u))) / i0b;
    }
    windows.set(n, w);
  }
  return w;
}

/**
 * Amplitude of the component at `freq` Hz in the middle of y: least-squares fit of
 * a cos + b sin weighted by a Kaiser window (a single-bin DFT that also accounts for the
 * tone's own mirror at -freq, which matters near 0 Hz and near Nyquist).
 */
function amplitudeAt(y: Float32Array, rate: number, freq: number): number {
  const start = Math.ceil(EDGE * rate);
  const n = y.length - 2 * start;
  const w = kaiserWindow(n);
  let cy = 0;
  let sy = 0;
  let cc = 0;
  let ss = 0;
  let cs = 0;
  const omega = (2 * Math.PI * freq) / rate;
  for (let i = 0; i < n; i++) {
    const a = omega * (start + i);
    const c = Math.cos(a);
    const s = Math.sin(a);
    const wi = w[i]!;
    const v = wi * y[start + i]!;
    cy += v * c;
    sy += v * s;
    cc += wi * c * c;
    ss += wi * s * s;
    cs += wi * c * s;
  }
  const det = cc * ss - cs * cs;
  const a = (cy * ss - sy * cs) / det;
  const b = (sy * cc - cy * cs) / det;
  return Math.hypot(a, b);
}

/** Where a tone at f lands after sampling at `rate`: folded into [0, rate/2]. */
function fold(f: number, rate: number): number {
  const r = f % rate;
  return r > rate / 2 ? rate - r : r;
}

function inputLength(rate: number): number {
  return Math.round(DURATION * rate);
}

interface Measurement {
  length: boolean;
  snrDb: number;
  rippleDb: number;
  aliasDb: number;
}

function measure(inRate: number, outRate: number, kernel: "wasm" | "js"): Measurement {
  const n = inputLength(inRate);
  const low = Math.min(inRate, outRate);
  const run = (x: Float32Array) => resample([x], inRate, outRate, { kernel })[0]!;

  // Exact length.
  let length = true;
  for (const m of [0, 1, 2, 3, 7, 441, 1001, n]) {
    const got = resample([new Float32Array(m)], inRate, outRate, { kernel })[0]!.length;
    if (got !== Math.round((m * outRate) / inRate) || resampledLength(m, inRate, outRate) !== got) length = false;
  }

  // SNR of a 1 kHz sine against the ideal (same phase: zero group delay).
  const y1 = run(tone(inRate, n, 1000, 0.9));
  if (y1.length !== Math.round((n * outRate) / inRate)) length = false;
  const start = Math.ceil(EDGE * outRate);
  let sig = 0;
  let err = 0;
  for (let k = start; k < y1.length - start; k++) {
    const ideal = 0.9 * Math.sin((2 * Math.PI * 1000 * k) / outRate);
    sig += ideal * ideal;
    err += (y1[k]! - ideal) ** 2;
  }
  const snrDb = 10 * Math.log10(sig / err);

  // Passband: 20 tones up to 0.91 of the lower Nyquist in one signal, each measured alone.
  const freqs = Array.from({ length: 20 }, (_, i) => (low / 2) * (0.045 + (i * (0.91 - 0.045)) / 19));
  const amp = 0.04;
  const mix = new Float32Array(n);
  freqs.forEach((f, i) => {
    const t = tone(inRate, n, f, amp, i * 2.4);
    for (let j = 0; j < n; j++) mix[j]! += t[j]!;
  });
  const ym = run(mix);
  let rippleDb = 0;
  for (const f of freqs) rippleDb = Math.max(rippleDb, Math.abs(db(amplitudeAt(ym, outRate, f) / amp)));

  // Aliases (downsampling: tones above the new Nyquist) or images (upsampling: the images of
  // passband tones above the old Nyquist), relative to the input tone.
  let aliasDb = -Infinity;
  if (outRate < inRate) {
    const lo = (outRate / 2) * 1.001;
    const hi = (inRate / 2) * 0.999;
    for (let i = 0; i < 16; i++) {
      const f = lo + (hi - lo) * (i / 15) ** 2; // denser just above the new Nyquist, where the filter is weakest
      const y = run(tone(inRate, n, f, 0.5));
      aliasDb = Math.max(aliasDb, db(amplitudeAt(y, outRate, fold(f, outRate)) / 0.5));
    }
  } else {
    for (let i = 0; i < 8; i++) {
      const f = (inRate / 2) * (0.02 + (0.93 * i) / 7);
      const y = run(tone(inRate, n, f, 0.5));
      for (let k = 1; k * inRate - f <= outRate / 2; k++) {
        for (const g of [k * inRate - f, k * inRate + f]) {
          if (g < outRate / 2) aliasDb = Math.max(aliasDb, db(amplitudeAt(y, outRate, g) / 0.5));
        }
      }
    }
  }
  return { length, snrDb, rippleDb, aliasDb };
}

describe("quality at every rate pair", () => {
  for (const kernel of KERNELS) {
    test(`${kernel} kernel: 72 pairs within the bounds`, () => {
      const rows: string[] = [];
      const failures: string[] = [];
      for (const [a, b] of PAIRS) {
        const m = measure(a, b, kernel);
        rows.push(
          `${a}->${b}: snr ${m.snrDb.toFixed(1)} dB, ripple ${m.rippleDb.toExponential(1)} dB, ` +
            `${b < a ? "alias" : "image"} ${m.aliasDb.toFixed(1)} dB`,
        );
        if (!m.length) failures.push(`${a}->${b}: wrong length`);
        if (!(m.snrDb >= MIN_SNR_DB)) failures.push(`${a}->${b}: SNR ${m.snrDb.toFixed(1)} dB`);
        if (!(m.rippleDb <= MAX_RIPPLE_DB)) failures.push(`${a}->${b}: ripple ${m.rippleDb} dB`);
        if (!(m.aliasDb <= MAX_ALIAS_DB)) failures.push(`${a}->${b}: alias/image ${m.aliasDb.toFixed(1)} dB`);
      }
      if (process.env.RESAMPLE_REPORT) console.log(`${kernel}\n${rows.join("\n")}`);
      expect(failures).toEqual([]);
    });
  }
});

function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

describe("kernels", () => {
  test("wasm and js give the same signal at every pair", () => {
    const failures: string[] = [];
    for (const [a, b] of PAIRS) {
      const x = noise(Math.round(0.05 * a), a + b);
      const w = resample([x], a, b, { kernel: "wasm" })[0]!;
      const j = resample([x], a, b, { kernel: "js" })[0]!;
      let maxDiff = 0;
      for (let k = 0; k < w.length; k++) maxDiff = Math.max(maxDiff, Math.abs(w[k]! - j[k]!));
      if (w.length !== j.length || !(maxDiff < 2e-6)) failures.push(`${a}->${b}: max difference ${maxDiff}`);
    }
    expect(failures).toEqual([]);
  });

  test("wasm tables stay right when their memory region is recycled between calls", () => {
    setWasmTableBudget(64 << 10);
    try {
      const pairs: [number, number][] = [
        [44100, 16000],
        [8000, 44100],
        [48000, 22050],
        [22050, 48000],
      ];
      const streams = pairs.map(([a, b]) => ({ a, b, r: new Resampler(a, b, 1), out: [] as Float32Array[], x: noise(a, a + b) }));
      for (let i = 0; i < 10; i++) {
        for (const s of streams) {
          const step = s.a / 10;
          s.out.push(s.r.process([s.x.subarray(i * step, (i + 1) * step)])[0]!);
        }
      }
      for (const s of streams) {
        s.out.push(s.r.flush()[0]!);
        const got = new Float32Array(s.out.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of s.out) {
          got.set(p, at);
          at += p.length;
        }
        const ref = resample([s.x], s.a, s.b, { kernel: "js" })[0]!;
        let maxDiff = 0;
        for (let k = 0; k < ref.length; k++) maxDiff = Math.max(maxDiff, Math.abs(got[k]! - ref[k]!));
        expect(got.length).toBe(ref.length);
        expect(maxDiff, `${s.a}->${s.b}`).toBeLessThan(2e-6);
      }
    } finally {
      setWasmTableBudget(16 << 20);
    }
  });

  test("the wasm kernel is the default where WebAssembly SIMD runs", () => {
    expect(new Resampler(44100, 16000, 1).kernel).toBe("wasm");
    expect(new Resampler(44100, 16000, 1, { kernel: "js" }).kernel).toBe("js");
  });

  test("without WebAssembly, auto falls back to js and wasm fails clearly", async () => {
    vi.resetModules();
    vi.stubGlobal("WebAssembly", undefined);
    try {
      const mod = await import("../../src/audio/resample.js");
      expect(new mod.Resampler(44100, 16000, 1).kernel).toBe("js");
      expect(() => new mod.Resampler(44100, 16000, 1, { kernel: "wasm" })).toThrow(/WebAssembly SIMD kernel cannot run here/);
      const x = tone(44100, 4410, 1000, 0.5);
      expect(mod.resample([x], 44100, 16000)[0]).toEqual(resample([x], 44100, 16000, { kernel: "js" })[0]);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  test("the two-stage path matches the single sharp stage", () => {
    for (const [a, b] of [
      [44100, 16000],
      [96000, 8000],
      [48000, 24000],
    ] as const) {
      expect(plan(a, b).stages.at(-1)!.kind).toBe("dec2");
      const x = tone(a, inputLength(a), 997, 0.9);
      const two = resample([x], a, b)[0]!;
      const one = new Resampler(a, b, 1, { twoStage: false } as unknown as ResampleOptions);
      const single = one.process([x])[0]!;
      const rest = one.flush()[0]!;
      const ref = new Float32Array(single.length + rest.length);
      ref.set(single);
      ref.set(rest, single.length);
      expect(ref.length).toBe(two.length);
      let err = 0;
      let sig = 0;
      const start = Math.ceil(EDGE * b);
      for (let k = start; k < two.length - start; k++) {
        err += (two[k]! - ref[k]!) ** 2;
        sig += ref[k]! ** 2;
      }
      expect(10 * Math.log10(sig / err)).toBeGreaterThan(110);
    }
  });
});

describe("streaming", () => {
  function randomBlocks(n: number, seed: number): number[] {
    const sizes: number[] = [];
    let s = seed;
    let left = n;
    while (left > 0) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const pick = s % 7;
      const size = Math.min(left, pick === 0 ? 0 : pick === 1 ? 1 : pick < 4 ? (s >>> 8) % 64 : (s >>> 8) % 5000);
      sizes.push(size);
      left -= size;
    }
    return sizes;
  }

  const cases: [number, number, number][] = [
    [44100, 16000, 2],
    [48000, 16000, 1],
    [8000, 16000, 1],
    [44100, 48000, 2],
    [96000, 11025, 3],
    [11025, 96000, 1],
    [22050, 32000, 1],
    [16000, 8000, 2],
    [16000, 16000, 2],
  ];
  for (const kernel of KERNELS) {
    for (const [a, b, channels] of cases) {
      test(`${kernel} ${a}->${b}, ${channels} channel(s): random blocks equal the whole signal`, () => {
        const n = Math.round(0.3 * a) + 17;
        const x = Array.from({ length: channels }, (_, c) => noise(n, 7 + c));
        const whole = resample(x, a, b, { kernel });
        const r = new Resampler(a, b, channels, { kernel });
        const parts: Float32Array[][] = [];
        let at = 0;
        for (const size of randomBlocks(n, a + b + channels)) {
          parts.push(r.process(x.map((ch) => ch.subarray(at, at + size))));
          at += size;
        }
        parts.push(r.flush());
        for (let c = 0; c < channels; c++) {
          const joined = new Float32Array(parts.reduce((s, p) => s + p[c]!.length, 0));
          let o = 0;
          for (const p of parts) {
            joined.set(p[c]!, o);
            o += p[c]!.length;
          }
          expect(joined.length).toBe(Math.round((n * b) / a));
          expect(joined).toEqual(whole[c]);
        }
      });
    }
  }

  test("output arrives while streaming and memory stays flat", () => {
    const r = new Resampler(44100, 16000, 1);
    const block = noise(4410, 3);
    let out = 0;
    for (let i = 0; i < 200; i++) out += r.process([block])[0]!.length;
    // All but the filter's reach and one block of the decimator is out before flush().
    expect(200 * 1600 - out).toBeLessThan(2 * 1680 + 400); // the wasm decimator works in blocks of 1680
    const held = (r as unknown as { stages: { bufs: Float32Array[] }[] }).stages.map((s) => s.bufs[0]!.length);
    for (const size of held) expect(size).toBeLessThan(20000);
    out += r.flush()[0]!.length;
    expect(out).toBe(200 * 1600);
    // One long block goes through in pieces too.
    const big = new Resampler(48000, 16000, 1);
    const x = noise(48000 * 20, 5);
    const y = big.process([x])[0]!;
    expect(y.length).toBeGreaterThan(16000 * 20 - 4000);
    for (const s of (big as unknown as { stages: { bufs: Float32Array[] }[] }).stages) expect(s.bufs[0]!.length).toBeLessThan(300000);
    const rest = big.flush()[0]!;
    const whole = resample([x], 48000, 16000)[0]!;
    expect(whole.subarray(0, y.length)).toEqual(y);
    expect(whole.subarray(y.length)).toEqual(rest);
  });
});

describe("edges and errors", () => {
  test("equal rates copy", () => {
    const x = noise(1000, 1);
    const [y] = resample([x], 16000, 16000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
  });

  test("output length is Math.round(n * out / in)", () => {
    for (const [a, b] of PAIRS) {
      for (const n of [0, 1, 5, 999, 100_000, 2 ** 40 + 3]) {
        expect(resampledLength(n, a, b)).toBe(Math.round((n * b) / a));
      }
    }
    expect(resampledLength(1, 16000, 8000)).toBe(1); // 0.5 rounds up
    expect(resampledLength(3, 48000, 16000)).toBe(1);
  });

  test("short signals: empty, one sample, shorter than the filter", () => {
    for (const kernel of KERNELS) {
      expect(resample([new Float32Array(0)], 44100, 16000, { kernel })[0]!.length).toBe(0);
      expect(resample([new Float32Array([1])], 8000, 48000, { kernel })[0]!.length).toBe(6);
      const y = resample([new Float32Array([1])], 8000, 48000, { kernel })[0]!;
      // The impulse's response peaks at time 0 (zero delay): about 0.955, the sharp filter's centre tap.
      expect(Math.abs(y[0]! - 0.955)).toBeLessThan(0.02);
      for (let k = 1; k < y.length; k++) expect(Math.abs(y[k]!)).toBeLessThan(y[0]!);
      expect(resample([new Float32Array(10)], 96000, 8000, { kernel })[0]!.length).toBe(1);
    }
  });

  test("edges: the signal is taken as zero outside, through every stage of a chain", () => {
    // Resampling x must give the matching part of resampling [1 s of zeros, x, 1 s of zeros].
    const pairs: [number, number][] = [
      [44100, 16000],
      [96000, 8000],
      [48000, 24000],
      [48000, 44100],
      [8000, 48000],
      [44100, 48000],
      [16000, 32000],
      [22050, 96000],
    ];
    for (const kernel of KERNELS) {
      for (const [a, b] of pairs) {
        const x = noise(Math.round(0.05 * a) + 3, a - b);
        const padded = new Float32Array(x.length + 2 * a);
        padded.set(x, a);
        const y = resample([x], a, b, { kernel })[0]!;
        const yp = resample([padded], a, b, { kernel })[0]!;
        let maxDiff = 0;
        for (let k = 0; k < y.length; k++) maxDiff = Math.max(maxDiff, Math.abs(y[k]! - yp[b + k]!));
        expect(maxDiff, `${kernel} ${a}->${b}`).toBeLessThan(2e-6);
      }
    }
  });

  test("a constant stays constant away from the edges", () => {
    for (const [a, b] of PAIRS) {
      const y = resample([new Float32Array(Math.round(0.1 * a)).fill(0.5)], a, b)[0]!;
      const edge = Math.ceil(0.02 * b);
      for (let k = edge; k < y.length - edge; k += 7) expect(Math.abs(y[k]! - 0.5)).toBeLessThan(1e-5);
    }
  });

  test("rates that are not positive integers", () => {
    for (const bad of [0, -16000, 16000.5, Number.NaN, Number.POSITIVE_INFINITY, "16000" as unknown as number]) {
      expect(() => new Resampler(bad, 16000, 1)).toThrow(ResampleError);
      expect(() => new Resampler(16000, bad, 1)).toThrow(ResampleError);
      expect(() => resample([new Float32Array(4)], bad, 16000)).toThrow(/positive integer/);
      expect(() => resampledLength(10, 16000, bad)).toThrow(ResampleError);
    }
    expect(new ResampleError("x")).toBeInstanceOf(AudbError);
  });

  test("channel mismatches", () => {
    const r = new Resampler(44100, 16000, 2);
    expect(() => r.process([new Float32Array(4)])).toThrow(/expected 2 channels/);
    expect(() => r.process([new Float32Array(4), new Float32Array(5)])).toThrow(/differ in length/);
    expect(() => new Resampler(44100, 16000, 0)).toThrow(ResampleError);
    expect(() => resample([], 44100, 16000)).toThrow(ResampleError);
    r.flush();
    expect(() => r.process([new Float32Array(4), new Float32Array(4)])).toThrow(/after flush/);
    expect(r.flush()[0]!.length).toBe(0);
  });

  test("ratios too fine to tabulate fail clearly", () => {
    expect(() => new Resampler(3000017, 2999999, 1)).toThrow(/table/);
    expect(() => new Resampler(3000017, 2999999, 1)).toThrow(ResampleError);
    expect(new Resampler(44056, 16000, 1).outRate).toBe(16000);
  });
});
