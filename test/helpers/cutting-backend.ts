// A file-system backend whose downloads of chosen keys arrive cut short, as a server that
// ends a chunked body cleanly too early: the call succeeds, the file is incomplete.
import { Readable } from "node:stream";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { registerBackend, type Backend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";

/** What every `cutting-fs` backend cuts: the next `times` downloads of keys `match` accepts, after `bytes` bytes. */
export const cuts = { match: /$^/, bytes: 0, times: 0, done: 0 };

export function resetCuts(): void {
  Object.assign(cuts, { match: /$^/, bytes: 0, times: 0, done: 0 });
}

function cut(key: string, data: Uint8Array): Uint8Array {
  if (!cuts.match.test(key) || cuts.times <= 0) return data;
  cuts.times--;
  cuts.done++;
  return data.subarray(0, cuts.bytes);
}

/** A file-system backend whose downloads {@link cuts} cuts short. */
export function cuttingBackend(inner: Backend): Backend {
  return {
    ...inner,
    kind: "cutting-fs",
    exists: (k) => inner.exists(k),
    size: (k) => inner.size(k),
    getFile: async (k, d) => writeFile(d, cut(k, await inner.getBytes(k))),
    getBytes: async (k) => cut(k, await inner.getBytes(k)),
    getStream: async (k, r) => (cuts.match.test(k) && cuts.times > 0 ? Readable.from([cut(k, await inner.getBytes(k))]) : inner.getStream(k, r)),
    putFile: (k, s) => inner.putFile(k, s),
    putBytes: (k, b) => inner.putBytes(k, b),
    putBytesIfAbsent: (k, b) => inner.putBytesIfAbsent!(k, b),
    list: (p) => inner.list(p),
    remove: (k) => inner.remove(k),
  };
}

registerBackend("cutting-fs", (host, name) => cuttingBackend(new FileSystemBackend(join(host, name))));
