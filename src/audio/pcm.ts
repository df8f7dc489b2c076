/**
 * Conversion between float samples in [-1, 1) and signed integers of a given
 * bit depth. Scale is 2^(bits-1) both ways (no normalisation), so integers
 * survive a round trip through float exactly as long as the float type can
 * hold them (16 and 24 bit in Float32Array).
 */

/** Largest and smallest integer of a signed `bits`-bit sample. */
export function intRange(bits: number): { min: number; max: number } {
  const half = 2 ** (bits - 1);
  return { min: -half, max: half - 1 };
}

/** Float block -> integers: multiply by 2^(bits-1), round half away from zero, clip. */
export function floatToInt(src: Float32Array | Float64Array, bits: number, dest = new Int32Array(src.length)): Int32Array {
  const scale = 2 ** (bits - 1);
  const max = scale - 1;
  const min = -scale;
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! * scale;
    let r = v < 0 ? -Math.round(-v) : Math.round(v);
    if (r > max) r = max;
    else if (r < min) r = min;
    else if (r !== r) r = 0;
    dest[i] = r;
  }
  return dest;
}

/** Integers -> float: divide by 2^(bits-1). */
export function intToFloat(src: Int32Array, bits: number, dest = new Float32Array(src.length)): Float32Array {
  const scale = 1 / 2 ** (bits - 1);
  for (let i = 0; i < src.length; i++) dest[i] = src[i]! * scale;
  return dest;
}
