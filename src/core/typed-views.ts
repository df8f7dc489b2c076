// Typed arrays over the bytes of our binary cache files, and back to plain arrays.

/** The bytes at an 8-byte aligned offset (typed-array views need it), copied only if not. */
export function aligned(bytes: Buffer): Buffer {
  return bytes.byteOffset % 8 === 0 ? bytes : Buffer.from(bytes);
}

/**
 * A typed number column as a plain array, which rows can be added to. A loop, not
 * Array.from: that goes through the iterator protocol, an object per value.
 */
export function plainNumbers(col: ArrayLike<number>): number[] {
  const plain: number[] = [];
  for (let i = 0; i < col.length; i++) plain.push(col[i]!);
  return plain;
}
