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
  int k = 0;
  if (T <= 64) {
    /* Short filters (the relaxed stage): four outputs at a time, one accumulator each, and one
     * transposing reduction for the four instead of four horizontal sums. */
    for (; k + 4 <= n; k += 4) {
      const float *c[4], *xx[4];
      for (int i = 0; i < 4; i++) {
        c[i] = coef + phase * T;
        xx[i] = x + off;
        phase += r;
        off += q;
        if (phase >= L) {
          phase -= L;
          off += 1;
        }
      }
      v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
      for (int t = 0; t < T; t += 4) {
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xx[0] + t), wasm_v128_load(c[0] + t)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(xx[1] + t), wasm_v128_load(c[1] + t)));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(xx[2] + t), wasm_v128_load(c[2] + t)));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(xx[3] + t), wasm_v128_load(c[3] + t)));
      }
      v128_t s01 = wasm_f32x4_add(wasm_i32x4_shuffle(a0, a1, 0, 4, 1, 5), wasm_i32x4_shuffle(a0, a1, 2, 6, 3, 7));
      v128_t s23 = wasm_f32x4_add(wasm_i32x4_shuffle(a2, a3, 0, 4, 1, 5), wasm_i32x4_shuffle(a2, a3, 2, 6, 3, 7));
      wasm_v128_store(y + k, wasm_f32x4_add(wasm_i32x4_shuffle(s01, s23, 0, 1, 4, 5), wasm_i32x4_shuffle(s01, s23, 2, 3, 6, 7)));
    }
    /* The rest one by one, summed in the same order (so results do not depend on n). */
    for (; k < n; k++) {
      const float *c = coef + phase * T;
      const float *xx = x + off;
      v128_t a0 = wasm_f32x4_splat(0.0f);
      for (int t = 0; t < T; t += 4) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(xx + t), wasm_v128_load(c + t)));
      y[k] = hsum(a0);
      phase += r;
      off += q;
      if (phase >= L) {
        phase -= L;
        off += 1;
      }
    }
    return;
  }
  const int T16 = T & ~15;
  for (; k < n; k++) {
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

/* ---------------------------------------------------------------------------------------
 * FFT (complex, split re/im arrays, Stockham autosort radix-2, no bit reversal).
 *
 * Stage with sub-length n and stride s (n * s = N), m = n / 2:
 *   for p < m, q < s:  a = x[q + s p], b = x[q + s (p + m)]
 *     y[q + 2 s p] = a + b;  y[q + s (2 p + 1)] = (a - b) w_p,  w_p = exp(-2 pi i p / n)
 * Twiddles (float, re and im tables alike), stage by stage: s = 1: w_p for p < N/2;
 * s = 2: each w_p twice (w0 w0 w1 w1 ...), p < N/4; s >= 4: w_p for p < n/2.
 * N >= 16. Returns 0 if the result is in (xr, xi), 1 if in (yr, yi).
 * The inverse transform is fft(xi, xr, yi, yr) (swapped re/im), scaled by 1/N.
 */
static inline v128_t cmul_re(v128_t ar, v128_t ai, v128_t br, v128_t bi) {
  return wasm_f32x4_sub(wasm_f32x4_mul(ar, br), wasm_f32x4_mul(ai, bi));
}
static inline v128_t cmul_im(v128_t ar, v128_t ai, v128_t br, v128_t bi) {
  return wasm_f32x4_add(wasm_f32x4_mul(ar, bi), wasm_f32x4_mul(ai, br));
}

static int fft(float *xr, float *xi, float *yr, float *yi, int N, const float *twr, const float *twi) {
  int flip = 0;
  /* s = 1, n = N */
  {
    const int m = N / 2;
    for (int p = 0; p < m; p += 4) {
      v128_t ar = wasm_v128_load(xr + p), ai = wasm_v128_load(xi + p);
      v128_t br = wasm_v128_load(xr + p + m), bi = wasm_v128_load(xi + p + m);
      v128_t wr = wasm_v128_load(twr + p), wi = wasm_v128_load(twi + p);
      v128_t sr = wasm_f32x4_add(ar, br), si = wasm_f32x4_add(ai, bi);
      v128_t dr = wasm_f32x4_sub(ar, br), di = wasm_f32x4_sub(ai, bi);
      v128_t er = cmul_re(dr, di, wr, wi), ei = cmul_im(dr, di, wr, wi);
      wasm_v128_store(yr + 2 * p, wasm_i32x4_shuffle(sr, er, 0, 4, 1, 5));
      wasm_v128_store(yr + 2 * p + 4, wasm_i32x4_shuffle(sr, er, 2, 6, 3, 7));
      wasm_v128_store(yi + 2 * p, wasm_i32x4_shuffle(si, ei, 0, 4, 1, 5));
      wasm_v128_store(yi + 2 * p + 4, wasm_i32x4_shuffle(si, ei, 2, 6, 3, 7));
    }
    twr += m;
    twi += m;
    flip ^= 1;
  }
  /* s = 2, n = N / 2 */
  {
    float *ar_ = flip ? yr : xr, *ai_ = flip ? yi : xi, *or_ = flip ? xr : yr, *oi_ = flip ? xi : yi;
    const int m = N / 4;
    for (int p = 0; p < m; p += 2) {
      v128_t ar = wasm_v128_load(ar_ + 2 * p), ai = wasm_v128_load(ai_ + 2 * p);
      v128_t br = wasm_v128_load(ar_ + 2 * (p + m)), bi = wasm_v128_load(ai_ + 2 * (p + m));
      v128_t wr = wasm_v128_load(twr + 2 * p), wi = wasm_v128_load(twi + 2 * p);
      v128_t sr = wasm_f32x4_add(ar, br), si = wasm_f32x4_add(ai, bi);
      v128_t dr = wasm_f32x4_sub(ar, br), di = wasm_f32x4_sub(ai, bi);
      v128_t er = cmul_re(dr, di, wr, wi), ei = cmul_im(dr, di, wr, wi);
      wasm_v128_store(or_ + 4 * p, wasm_i32x4_shuffle(sr, er, 0, 1, 4, 5));
      wasm_v128_store(or_ + 4 * p + 4, wasm_i32x4_shuffle(sr, er, 2, 3, 6, 7));
      wasm_v128_store(oi_ + 4 * p, wasm_i32x4_shuffle(si, ei, 0, 1, 4, 5));
      wasm_v128_store(oi_ + 4 * p + 4, wasm_i32x4_shuffle(si, ei, 2, 3, 6, 7));
    }
    twr += 2 * m;
    twi += 2 * m;
    flip ^= 1;
  }
  /* s >= 4 */
  for (int s = 4; s < N; s *= 2) {
    float *ar_ = flip ? yr : xr, *ai_ = flip ? yi : xi, *or_ = flip ? xr : yr, *oi_ = flip ? xi : yi;
    const int n = N / s, m = n / 2;
    for (int p = 0; p < m; p++) {
      v128_t wr = wasm_f32x4_splat(twr[p]), wi = wasm_f32x4_splat(twi[p]);
      const float *a_r = ar_ + s * p, *a_i = ai_ + s * p;
      const float *b_r = ar_ + s * (p + m), *b_i = ai_ + s * (p + m);
      float *s_r = or_ + 2 * s * p, *s_i = oi_ + 2 * s * p;
      float *d_r = s_r + s, *d_i = s_i + s;
      for (int q = 0; q < s; q += 4) {
        v128_t ar = wasm_v128_load(a_r + q), ai = wasm_v128_load(a_i + q);
        v128_t br = wasm_v128_load(b_r + q), bi = wasm_v128_load(b_i + q);
        v128_t dr = wasm_f32x4_sub(ar, br), di = wasm_f32x4_sub(ai, bi);
        wasm_v128_store(s_r + q, wasm_f32x4_add(ar, br));
        wasm_v128_store(s_i + q, wasm_f32x4_add(ai, bi));
        wasm_v128_store(d_r + q, cmul_re(dr, di, wr, wi));
        wasm_v128_store(d_i + q, cmul_im(dr, di, wr, wi));
      }
    }
    twr += m;
    twi += m;
    flip ^= 1;
  }
  return flip;
}

/*
 * The decimator by 2 of dec2() computed by fast convolution (overlap-save), in blocks of
 * B = N - 2K outputs: for block j, two input segments of N samples, x[2jB ..] and
 * x[2jB + B ..], go in as the real and imaginary parts of one complex FFT of size N; the
 * product with the filter's spectrum is decimated in frequency (bins k and k + N/2 added)
 * and one inverse FFT of size N/2 gives the B/2 outputs of each segment in its real and
 * imaginary parts. H = FFT_N of g[n] = h[|n - K|] (n <= 2K), already divided by N.
 * x must hold 2B(nblocks - 1) + B + N samples; y receives nblocks * B outputs.
 * work: 4N floats. tw: twiddles of size N then of size N/2 (re tables, then im tables).
 */
EXPORT(dec2fft)
void dec2fft(const float *x, int nblocks, int N, int K, const float *Hr, const float *Hi,
             const float *twNr, const float *twNi, const float *twHr, const float *twHi,
             float *work, float *y) {
  const int B = N - 2 * K, half = N / 2;
  float *zr = work, *zi = work + N, *wr = work + 2 * N, *wi = work + 3 * N;
  for (int j = 0; j < nblocks; j++) {
    const float *x1 = x + 2 * j * B, *x2 = x1 + B;
    for (int n = 0; n < N; n += 4) {
      wasm_v128_store(zr + n, wasm_v128_load(x1 + n));
      wasm_v128_store(zi + n, wasm_v128_load(x2 + n));
    }
    const int r = fft(zr, zi, wr, wi, N, twNr, twNi);
    float *Zr = r ? wr : zr, *Zi = r ? wi : zi;
    float *Dr = r ? zr : wr, *Di = r ? zi : wi;
    for (int k = 0; k < half; k += 4) {
      v128_t ar = wasm_v128_load(Zr + k), ai = wasm_v128_load(Zi + k);
      v128_t br = wasm_v128_load(Zr + k + half), bi = wasm_v128_load(Zi + k + half);
      v128_t h1r = wasm_v128_load(Hr + k), h1i = wasm_v128_load(Hi + k);
      v128_t h2r = wasm_v128_load(Hr + k + half), h2i = wasm_v128_load(Hi + k + half);
      wasm_v128_store(Dr + k, wasm_f32x4_add(cmul_re(ar, ai, h1r, h1i), cmul_re(br, bi, h2r, h2i)));
      wasm_v128_store(Di + k, wasm_f32x4_add(cmul_im(ar, ai, h1r, h1i), cmul_im(br, bi, h2r, h2i)));
    }
    /* Inverse FFT of size N/2 by swapping re and im; the spare half of the buffers is scratch. */
    const int r2 = fft(Di, Dr, Di + half, Dr + half, half, twHr, twHi);
    const float *yr1 = r2 ? Dr + half : Dr, *yi1 = r2 ? Di + half : Di; /* swapped back: re = yr1 */
    float *o = y + j * B;
    for (int i = 0; i < B / 2; i++) {
      o[i] = yr1[K + i];
      o[B / 2 + i] = yi1[K + i];
    }
  }
}

/*
 * Interpolator by 2 with the same sharp filter, by fast convolution: output k of the stream is
 *   y[k] = sum_i 2 h[|k - 2i|] x[i]     (|k - 2i| <= K; y at twice the input rate)
 * In blocks of B = 2 (2N - 2K) outputs: two input segments of N samples, x[j(2N - 2K) ..]
 * and N - K samples later, go in as the real and imaginary parts of one complex FFT of size
 * N; its spectrum repeated twice (the zero-stuffed signal's) times the filter's spectrum G
 * (size 2N, already divided by 2N) gives, by one inverse FFT of size 2N, the 2N - 2K outputs
 * of each segment in the real and imaginary parts. Local input 0 is the sample K/2 before the
 * block's first output. x must hold (2N - 2K)(nblocks - 1) + 2N - K samples.
 * work: 12N floats. twiddles of size N and of size 2N.
 */
EXPORT(int2fft)
void int2fft(const float *x, int nblocks, int N, int K, const float *Gr, const float *Gi,
             const float *twNr, const float *twNi, const float *tw2r, const float *tw2i,
             float *work, float *y) {
  const int valid = 2 * N - 2 * K, adv = N - K;
  float *zr = work, *zi = work + N, *tr = work + 2 * N, *ti = work + 3 * N;
  float *wr = work + 4 * N, *wi = work + 6 * N, *ur = work + 8 * N, *ui = work + 10 * N;
  for (int j = 0; j < nblocks; j++) {
    const float *x1 = x + j * valid, *x2 = x1 + adv;
    for (int n = 0; n < N; n += 4) {
      wasm_v128_store(zr + n, wasm_v128_load(x1 + n));
      wasm_v128_store(zi + n, wasm_v128_load(x2 + n));
    }
    const int r = fft(zr, zi, tr, ti, N, twNr, twNi);
    const float *Zr = r ? tr : zr, *Zi = r ? ti : zi;
    for (int h = 0; h < 2 * N; h += N) {
      for (int k = 0; k < N; k += 4) {
        v128_t ar = wasm_v128_load(Zr + k), ai = wasm_v128_load(Zi + k);
        v128_t gr = wasm_v128_load(Gr + h + k), gi = wasm_v128_load(Gi + h + k);
        wasm_v128_store(wr + h + k, cmul_re(ar, ai, gr, gi));
        wasm_v128_store(wi + h + k, cmul_im(ar, ai, gr, gi));
      }
    }
    const int r2 = fft(wi, wr, ui, ur, 2 * N, tw2r, tw2i); /* inverse, by swapped re/im */
    const float *yr = r2 ? ur : wr, *yi = r2 ? ui : wi;
    float *o = y + j * 2 * valid;
    for (int i = 0; i < valid; i++) {
      o[i] = yr[2 * K + i];
      o[valid + i] = yi[2 * K + i];
    }
  }
}
