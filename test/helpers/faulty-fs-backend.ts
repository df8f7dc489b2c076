// A file-system backend with network faults: downloads of chosen keys that arrive cut short,
// as from a server that ends a chunked body cleanly too early (the call succeeds, the file
// is incomplete); uploads that are stored but whose answer is lost (the call fails); reads
// that fail.
import { Readable } from "node:stream";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { registerBackend, type Backend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";

/** What every `faulty-fs` backend cuts: the next `times` downloads of keys `match` accepts, after `bytes` bytes. */
export const cuts = { match: /$^/, bytes: 0, times: 0, done: 0 };

/**
 * What every `faulty-fs` backend fails: uploads of keys `lostPut` accepts are stored, then
 * fail (and, with `thenFailReads`, reads of those keys fail from then on); reads of keys
 * `failRead` accepts fail.
 */
export const failures = { lostPut: /$^/, failRead: /$^/, thenFailReads: false };

/** No faults. */
export function resetFaults(): void {
  Object.assign(cuts, { match: /$^/, bytes: 0, times: 0, done: 0 });
  Object.assign(failures, { lostPut: /$^/, failRead: /$^/, thenFailReads: false });
}

function checkRead(key: string): void {
  if (failures.failRead.test(key)) throw new Error(`read of '${key}' failed (injected)`);
}

async function lost<T>(key: string, put: Promise<T>): Promise<T> {
  const result = await put;
  if (!failures.lostPut.test(key)) return result;
  if (failures.thenFailReads) failures.failRead = failures.lostPut;
  throw new Error(`answer to the upload of '${key}' lost (injected)`);
}

function cut(key: string, data: Uint8Array): Uint8Array {
  if (!cuts.match.test(key) || cuts.times <= 0) return data;
  cuts.times--;
  cuts.done++;
  return data.subarray(0, cuts.bytes);
}

/** A file-system backend with the faults {@link cuts} and {@link failures} name. */
export function faultyBackend(inner: Backend): Backend {
  return {
    ...inner,
    kind: "faulty-fs",
    exists: async (k) => { checkRead(k); return inner.exists(k); },
    size: (k) => inner.size(k),
    getFile: async (k, d) => { checkRead(k); await writeFile(d, cut(k, await inner.getBytes(k))); },
    getBytes: async (k) => { checkRead(k); return cut(k, await inner.getBytes(k)); },
    getStream: async (k, r) => (cuts.match.test(k) && cuts.times > 0 ? Readable.from([cut(k, await inner.getBytes(k))]) : inner.getStream(k, r)),
    putFile: (k, s) => lost(k, inner.putFile(k, s)),
    putBytes: (k, b) => lost(k, inner.putBytes(k, b)),
    putBytesIfAbsent: (k, b) => inner.putBytesIfAbsent!(k, b),
    list: (p) => inner.list(p),
    remove: (k) => inner.remove(k),
  };
}

registerBackend("faulty-fs", (host, name) => faultyBackend(new FileSystemBackend(join(host, name))));
