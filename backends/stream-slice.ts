import { Transform } from "node:stream";

/**
 * A transform that skips `skip` bytes, passes on the next `length`, and drops the rest.
 * Used when a server ignores or widens a requested byte range.
 */
export function sliceStream(skip: number, length: number): Transform {
  let offset = 0;
  const end = skip + length;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const from = Math.max(0, skip - offset);
      const to = Math.min(chunk.length, end - offset);
      offset += chunk.length;
      done(null, from < to ? chunk.subarray(from, to) : undefined);
    },
  });
}
