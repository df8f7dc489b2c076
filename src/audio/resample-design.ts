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
 * Half-length of the relaxed first stage of the two-stage path, in samples of the final
 * output rate: passband to 0.5, stopband from 1.5 of the final rate (transition of one
 * output rate; everything it lets through above 0.5 lands where the decimator removes it).
 */
export const RELAXED_HALF_LENGTH = 4.5;
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
}

export type Table = PolyTable | Dec2Table;

/** How a rate pair is resampled. */
export type Plan =
  | { readonly kind: "copy" }
  | { readonly kind: "poly"; readonly poly: PolyTable }
  /** Downsampling by 2 or more: relaxed polyphase to twice the output rate (none if the input is already there), then the sharp decimator. */
  | { readonly kind: "two-stage"; readonly poly: PolyTable | null; readonly dec: Dec2Table };

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
  return t.kind === "poly" ? t.coef.length : t.h.length;
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
    for (let j = 0; j <= K; j++) coef[j] = h(j);
    return { kind: "dec2", K, h: coef };
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

export function relaxedDesign(inRate: number, outRate: number): { fc: number; halfLength: number } {
  return { fc: (2 * outRate) / inRate, halfLength: (RELAXED_HALF_LENGTH * inRate) / outRate };
}

/**
 * The stages for a rate pair. Downsampling by 2 or more goes in two stages: a relaxed
 * polyphase filter to twice the output rate (about 9 input taps per output sample... per
 * input/output ratio unit) and the sharp folded decimator by 2, which costs the same whatever
 * the input rate. A single sharp polyphase stage would need 184 * inRate/outRate taps per
 * output, so the two-stage path is 1.7x (44.1k->16k) to 4x (96k->8k) cheaper at equal quality.
 * `twoStage: false` forces the single stage (used by tests to compare both).
 */
export function plan(inRate: number, outRate: number, twoStage = true): Plan {
  if (inRate === outRate) return { kind: "copy" };
  if (twoStage && inRate >= 2 * outRate) {
    const mid = 2 * outRate;
    let poly: PolyTable | null = null;
    if (mid !== inRate) {
      const { L, M } = ratio(inRate, mid);
      const { fc, halfLength } = relaxedDesign(inRate, outRate);
      poly = polyTable(L, M, fc, halfLength);
    }
    return { kind: "two-stage", poly, dec: dec2Table() };
  }
  const { L, M } = ratio(inRate, outRate);
  const { fc, halfLength } = sharpDesign(inRate, outRate);
  return { kind: "poly", poly: polyTable(L, M, fc, halfLength) };
}
