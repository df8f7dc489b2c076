/**
 * Filter design of the resampler: Kaiser-windowed sinc prototypes, their polyphase
 * tables, and the choice of stages for a rate pair. Pure double-precision maths;
 * tables are stored as Float32Array and cached per ratio (LRU, bounded in size).
 *
 * Every filter here is a zero-phase (centred, symmetric) FIR: output sample k of a
 * stage sits at the same instant as input position k * inRate / outRate, so stages
 * chain without delay and the output is time-aligned with the input.
 */

/** Kaiser beta of every prototype: stopband about -126 dB (Kaiser's rule gives 12.8 for 125 dB). */
export const KAISER_BETA = 13.0;
/** Cutoff of the sharp filters, as a fraction of the lower Nyquist frequency. */
export const SHARP_CUTOFF = 0.955;
/**
 * Half-length of the sharp filters in samples of the lower rate. With beta 13 and cutoff 0.955
 * the passband (to 0.91 of Nyquist) is flat to 5e-6 dB and the stopband (from 1.0) is below -126 dB.
 */
export const SHARP_HALF_LENGTH = 92;
/**
 * The relaxed first stage of the two-stage path (to twice the output rate): passband to 0.455,
 * stopband from 1.5 of the final output rate (cutoff 0.9775). Everything it lets through above
 * 0.455 either stays above 0.455 or folds to above 0.5 (the final Nyquist) at twice the output
 * rate, where the sharp decimator removes it. Half-length 3.98 final-output samples: stopband
 * -126.5 dB, passband flat to 5e-6 dB (checked numerically; Kaiser lengths are not monotonic).
 */
export const RELAXED_CUTOFF = 0.9775;
export const RELAXED_HALF_LENGTH = 3.98;
/** Largest polyphase table (phases x taps) a ratio may need; beyond, a ResampleError. */
export const MAX_TABLE_SIZE = 1 << 24;

export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for x < 50). */
export function besselI0(x: number): number {
  const h = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= (h / k) * (h / k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * The continuous prototype: h(t) = fc * sinc(fc * t) * kaiser(t / halfLength), t in input
 * samples, fc the cutoff as a fraction of the input Nyquist frequency. Its integral is 1 (unity DC gain).
 */
export function prototype(fc: number, halfLength: number, beta = KAISER_BETA): (t: number) => number {
  const i0b = besselI0(beta);
  return (t: number) => {
    const u = t / halfLength;
    if (u > 1 || u < -1) return 0;
    const w = besselI0(beta * Math.sqrt(1 - u * u)) / i0b;
    const a = Math.PI * fc * t;
    return fc * (a === 0 ? 1 : Math.sin(a) / a) * w;
  };
}

/**
 * Polyphase table of a rational ratio L/M (output rate / input rate, reduced). Output k sits at
 * input position k*M/L = ip + p/L; it is sum_t coef[p*T + t] * x[ip + jlo + t].
 */
export interface PolyTable {
  readonly kind: "poly";
  readonly L: number;
  readonly M: number;
  /** M = q*L + r: per output the input position advances q samples and r/L of a sample. */
  readonly q: number;
  readonly r: number;
  /** Taps per phase, a multiple of 4 (zero-padded). */
  readonly T: number;
  /** Offset of the first tap relative to the output's integer input position (<= 0). */
  readonly jlo: number;
  /** L rows of T coefficients. */
  readonly coef: Float32Array;
}

/** Symmetric FIR decimator by 2: y[m] = sum_{|j|<=K} h[|j|] x[2m + j]. K is even. */
export interface Dec2Table {
  readonly kind: "dec2";
  readonly K: number;
  /** h[0..K]. */
  readonly h: Float32Array;
  /** The same filter for fast convolution (the wasm kernel's dec2fft). */
  readonly fft: Dec2Fft;
}

/** Overlap-save data of the decimator: FFT size N, B = N - 2K outputs per block. */
export interface Dec2Fft {
  readonly N: number;
  readonly B: number;
  /** Spectrum of g[n] = h[|n - K|] (n <= 2K), divided by N: N real parts, then N imaginary parts. */
  readonly H: Float32Array;
  /** Twiddles of the size-N FFT, then of the size-N/2 FFT (see fftTwiddles). */
  readonly twN: Float32Array;
  readonly twHalf: Float32Array;
  /** 2H: the interpolator's filter spectrum (its FFT of size N, divided by N, with gain 2). */
  readonly G: Float32Array;
}

/** FFT size of the decimator's fast convolution. */
export const DEC2_FFT_SIZE = 2048;

/**
 * Twiddle factors of resample.c's Stockham FFT of size N, stage by stage: w_p = exp(-2 pi i p / n)
 * for stage sub-length n = N (p < N/2), then n = N/2 with each w_p twice, then n = N/4, N/8, ... 2
 * (p < n/2). Real parts, then imaginary parts.
 */
export function fftTwiddles(N: number): Float32Array {
  const re: number[] = [];
  const im: number[] = [];
  const w = (p: number, n: number, times: number) => {
    for (let t = 0; t < times; t++) {
      re.push(Math.cos((2 * Math.PI * p) / n));
      im.push(-Math.sin((2 * Math.PI * p) / n));
    }
  };
  for (let p = 0; p < N / 2; p++) w(p, N, 1);
  for (let p = 0; p < N / 4; p++) w(p, N / 2, 2);
  for (let s = 4; s < N; s *= 2) for (let p = 0; p < N / s / 2; p++) w(p, N / s, 1);
  const out = new Float32Array(2 * re.length);
  out.set(re);
  out.set(im, re.length);
  return out;
}

export type Table = PolyTable | Dec2Table;

/** One stage of a resampling chain. */
export type StageSpec =
  | { readonly kind: "poly"; readonly table: PolyTable }
  /** Sharp lowpass and decimation by 2 (cutoff 0.955 of the output Nyquist). */
  | { readonly kind: "dec2"; readonly table: Dec2Table }
  /** Interpolation by 2 with the same sharp lowpass (cutoff 0.955 of the input Nyquist). */
  | { readonly kind: "int2"; readonly table: Dec2Table };

/** How a rate pair is resampled: the stages in order (none: equal rates, a copy). */
export interface Plan {
  readonly stages: readonly StageSpec[];
}

const cache = new Map<string, Table>();
let cachedSize = 0;
/** Total coefficients kept in the cache (32 MB of float32); the least recently used go first. */
const CACHE_BUDGET = 1 << 23;

function cached<T extends Table>(key: string, make: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit as T;
  }
  const table = make();
  cache.set(key, table);
  cachedSize += tableSize(table);
  for (const [k, t] of cache) {
    if (cachedSize <= CACHE_BUDGET || cache.size <= 1) break;
    cache.delete(k);
    cachedSize -= tableSize(t);
  }
  return table;
}

function tableSize(t: Table): number {
  return t.kind === "poly" ? t.coef.length : t.h.length + 2 * t.fft.H.length + t.fft.twN.length + t.fft.twHalf.length;
}

/** Number of coefficients the polyphase table of this ratio and half-length would hold. */
export function polyTableSize(L: number, halfLength: number): number {
  const jlo = -Math.floor(halfLength);
  const jhi = Math.floor(halfLength + (L - 1) / L);
  return L * (Math.ceil((jhi - jlo + 1) / 4) * 4);
}

/**
 * Polyphase table for L/M (reduced) with the prototype of cutoff fc (fraction of the input
 * Nyquist frequency) and half-length halfLength (input samples).
 */
export function polyTable(L: number, M: number, fc: number, halfLength: number): PolyTable {
  const size = polyTableSize(L, halfLength);
  if (size > MAX_TABLE_SIZE) {
    throw new RangeError(`the reduced ratio ${L}/${M} needs a table of ${size} coefficients (limit ${MAX_TABLE_SIZE})`);
  }
  return cached(`poly:${L}:${M}:${fc}:${halfLength}`, () => {
    const h = prototype(fc, halfLength);
    const jlo = -Math.floor(halfLength);
    const jhi = Math.floor(halfLength + (L - 1) / L);
    const T = Math.ceil((jhi - jlo + 1) / 4) * 4;
    const coef = new Float32Array(L * T);
    for (let p = 0; p < L; p++) {
      const frac = p / L;
      for (let t = 0; t < T; t++) coef[p * T + t] = h(frac - (jlo + t));
    }
    return { kind: "poly", L, M, q: Math.floor(M / L), r: M % L, T, jlo, coef };
  });
}

/** The sharp decimator by 2: cutoff 0.955 of the output Nyquist, same stopband as the polyphase filters. */
export function dec2Table(): Dec2Table {
  return cached("dec2", () => {
    const halfLength = 2 * SHARP_HALF_LENGTH;
    const K = 2 * Math.ceil(halfLength / 2);
    const h = prototype(SHARP_CUTOFF / 2, halfLength);
    const coef = new Float32Array(K + 1);
    const hd = new Float64Array(K + 1);
    for (let j = 0; j <= K; j++) coef[j] = hd[j] = h(j);
    // Spectrum of the causal filter g[n] = h[|n - K|], n = 0 .. 2K, scaled by 1/N.
    const N = DEC2_FFT_SIZE;
    const cos = new Float64Array(N);
    const sin = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / N);
      sin[i] = Math.sin((2 * Math.PI * i) / N);
    }
    const H = new Float32Array(2 * N);
    for (let k = 0; k < N; k++) {
      let re = 0;
      let im = 0;
      for (let n = 0; n <= 2 * K; n++) {
        const g = hd[Math.abs(n - K)]!;
        const i = (k * n) % N;
        re += g * cos[i]!;
        im -= g * sin[i]!;
      }
      H[k] = re / N;
      H[N + k] = im / N;
    }
    const G = H.map((v) => 2 * v);
    const fft = { N, B: N - 2 * K, H, twN: fftTwiddles(N), twHalf: fftTwiddles(N / 2), G };
    return { kind: "dec2", K, h: coef, fft };
  });
}

/** The reduced ratio outRate/inRate = L/M. */
export function ratio(inRate: number, outRate: number): { L: number; M: number } {
  const g = gcd(inRate, outRate);
  return { L: outRate / g, M: inRate / g };
}

/** Half-lengths (input samples) and cutoffs (fraction of input Nyquist) of the two polyphase designs. */
export function sharpDesign(inRate: number, outRate: number): { fc: number; halfLength: number } {
  const low = Math.min(inRate, outRate);
  return { fc: (SHARP_CUTOFF * low) / inRate, halfLength: (SHARP_HALF_LENGTH * inRate) / low };
}

/**
 * The relaxed stage of a two-stage chain, from stageIn Hz to stageOut Hz, with passband to
 * 0.455 and stopband from 1.5 of `ref` Hz (the final output rate when downsampling, the
 * original input rate when upsampling).
 */
export function relaxedDesign(stageIn: number, ref: number): { fc: number; halfLength: number } {
  return { fc: (2 * RELAXED_CUTOFF * ref) / stageIn, halfLength: (RELAXED_HALF_LENGTH * stageIn) / ref };
}

/**
 * The stages for a rate pair.
 *
 * Downsampling: a relaxed polyphase filter to twice the output rate (passband to 0.455,
 * stopband from 1.5 of the output rate: about 8 * inRate/outRate taps per intermediate
 * sample; none when the input is already there), then the sharp decimator by 2 (cutoff
 * 0.955, stopband from 1.0 of the new Nyquist). Whatever the relaxed stage lets through above
 * 0.455 of the output rate stays, or folds to, above the new Nyquist, where the decimator
 * removes it. Upsampling mirrors this: the sharp interpolator by 2 (cutoff 0.955 of the input
 * Nyquist), then a relaxed polyphase filter from twice the input rate to the output rate.
 * The sharp filter is fixed (its shape relative to its rate is the same for every pair), so
 * the wasm kernel runs it by fast convolution (FFT, overlap-save); the relaxed stage is short.
 * A single sharp polyphase stage would need 184 taps per sample of the lower rate and
 * is 2x (44.1k->16k) to 5x slower at equal quality. `twoStage: false` forces it (for tests).
 *
 * The decimator is a full-length lowpass, not a half-band filter: a half-band's response is
 * symmetric about the new Nyquist, so with its passband to 0.91 its stopband would start only
 * at 1.09, and tones between 1.0 and 1.09 of the new Nyquist would alias into the band
 * nearly unattenuated.
 */
export function plan(inRate: number, outRate: number, twoStage = true): Plan {
  if (inRate === outRate) return { stages: [] };
  if (!twoStage) {
    const { L, M } = ratio(inRate, outRate);
    const { fc, halfLength } = sharpDesign(inRate, outRate);
    return { stages: [{ kind: "poly", table: polyTable(L, M, fc, halfLength) }] };
  }
  const sharp = dec2Table();
  const relaxed = (from: number, to: number, ref: number): StageSpec[] => {
    if (from === to) return [];
    const { L, M } = ratio(from, to);
    const { fc, halfLength } = relaxedDesign(from, ref);
    return [{ kind: "poly", table: polyTable(L, M, fc, halfLength) }];
  };
  if (inRate > outRate) return { stages: [...relaxed(inRate, 2 * outRate, outRate), { kind: "dec2", table: sharp }] };
  return { stages: [{ kind: "int2", table: sharp }, ...relaxed(2 * inRate, outRate, inRate)] };
}
