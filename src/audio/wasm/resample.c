/*
 * WebAssembly SIMD kernels of audb-ts's resampler (src/audio/resample.ts).
 *
 * Built by build.sh with Debian's clang + lld:
 *   clang --target=wasm32 -msimd128 -O3 -nostdlib ... -o resample.wasm
 * The module exports its memory; the TypeScript side owns the layout (coefficient
 * tables and scratch buffers above __heap_base) and copies samples in and out.
 * No libc, no static data, no allocation: pure loops over caller's pointers.
 *
 * All float buffers are 16-byte aligned by the caller except the sample windows
 * that the kernels read at arbitrary offsets (v128 loads may be unaligned).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

static inline float hsum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

/*
 * Polyphase FIR, rational ratio L/M: n outputs.
 *   y[k] = sum_{t<T} coef[phase_k * T + t] * x[off_k + t]
 * with phase_0 = phase, off_0 = 0 and per output step:
 *   phase += r; off += q; if (phase >= L) { phase -= L; off += 1; }
 * where q = M / L and r = M % L. T is a multiple of 4, coef 16-byte aligned.
 */
EXPORT(poly)
void poly(const float *x, const float *coef, int T, int L, int q, int r, int phase, float *y, int n) {
  int off = 0;
  const int T16 = T & ~15;
  for (int k = 0; k < n; k++) {
    const float *c = coef + phase * T;
    const float *xx = x + off;
    v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int t = 0;
    for (; t < T16; t += 16) {
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xx + t), wasm_v128_load(c + t)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xx + t + 4), wasm_v128_load(c + t + 4)));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xx + t + 8), wasm_v128_load(c + t + 8)));
      a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xx + t + 12), wasm_v128_load(c + t + 12)));
    }
    for (; t < T; t += 4) {
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xx + t), wasm_v128_load(c + t)));
    }
    y[k] = hsum(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)));
    phase += r;
    off += q;
    if (phase >= L) {
      phase -= L;
      off += 1;
    }
  }
}

/* Splits x[0 .. 2n) into even samples e[0 .. n) and odd samples o[0 .. n). */
EXPORT(deinterleave)
void deinterleave(const float *x, float *e, float *o, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t a = wasm_v128_load(x + 2 * i);
    v128_t b = wasm_v128_load(x + 2 * i + 4);
    wasm_v128_store(e + i, wasm_i32x4_shuffle(a, b, 0, 2, 4, 6));
    wasm_v128_store(o + i, wasm_i32x4_shuffle(a, b, 1, 3, 5, 7));
  }
  for (; i < n; i++) {
    e[i] = x[2 * i];
    o[i] = x[2 * i + 1];
  }
}

/*
 * Folded symmetric FIR decimator by 2 (linear phase, odd length 2K+1, K = 2P even):
 *   y[m] = h[0] x[2m + K] + sum_{j=1..K} h[j] (x[2m + K - j] + x[2m + K + j])
 * computed from the deinterleaved input e[i] = x[2i], o[i] = x[2i + 1]:
 *   j = 2a   : x[2m+K-j] = e[m+P-a],  x[2m+K+j]   = e[m+P+a]
 *   j = 2a-1 : x[2m+K-j] = o[m+P-a],  x[2m+K+j]   = o[m+P+a-1]
 * Vectorised across 16 consecutive outputs (the coefficient is splat), so every
 * load is contiguous. n must be a multiple of 16; e and o need n + K + 1 samples.
 */
EXPORT(dec2)
void dec2(const float *e, const float *o, const float *h, int P, float *y, int n) {
  for (int m = 0; m < n; m += 16) {
    const float *ec = e + m + P;
    v128_t h0 = wasm_f32x4_splat(h[0]);
    v128_t a0 = wasm_f32x4_mul(h0, wasm_v128_load(ec));
    v128_t a1 = wasm_f32x4_mul(h0, wasm_v128_load(ec + 4));
    v128_t a2 = wasm_f32x4_mul(h0, wasm_v128_load(ec + 8));
    v128_t a3 = wasm_f32x4_mul(h0, wasm_v128_load(ec + 12));
    const float *ol = o + m + P - 1; /* o[m+P-a]   = ol[1-a]  */
    const float *orr = o + m + P;    /* o[m+P+a-1] = orr[a-1] */
    for (int a = 1; a <= P; a++) {
      /* odd tap j = 2a - 1 */
      v128_t hc = wasm_f32x4_splat(h[2 * a - 1]);
      const float *l = ol - (a - 1);
      const float *rr = orr + (a - 1);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l), wasm_v128_load(rr))));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l + 4), wasm_v128_load(rr + 4))));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l + 8), wasm_v128_load(rr + 8))));
      a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l + 12), wasm_v128_load(rr + 12))));
      /* even tap j = 2a */
      hc = wasm_f32x4_splat(h[2 * a]);
      l = ec - a;
      rr = ec + a;
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l), wasm_v128_load(rr))));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l + 4), wasm_v128_load(rr + 4))));
      a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l + 8), wasm_v128_load(rr + 8))));
      a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(hc, wasm_f32x4_add(wasm_v128_load(l + 12), wasm_v128_load(rr + 12))));
    }
    wasm_v128_store(y + m, a0);
    wasm_v128_store(y + m + 4, a1);
    wasm_v128_store(y + m + 8, a2);
    wasm_v128_store(y + m + 12, a3);
  }
}
