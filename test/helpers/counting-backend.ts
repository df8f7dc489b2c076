import { registerBackend, type Backend } from "../../backends/backend.js";
import { FileSystemBackend } from "../../backends/filesystem.js";
import { join } from "node:path";

/**
 * Keys written and read through every `counting-fs` backend, for upload/download counts
 * (claims apart) and checked for (`checks`); an upload whose key `failPut` accepts fails instead.
 */
export const traffic = {
  puts: [] as string[], gets: [] as string[], claims: [] as string[], checks: [] as string[], failPut: undefined as ((key: string) => boolean) | undefined,
  /** Runs before each download, e.g. to play another process that wins a race. */
  beforeGet: undefined as ((key: string) => Promise<void>) | undefined,
};

export function resetTraffic(): void {
  traffic.puts.length = 0;
  traffic.gets.length = 0;
  traffic.claims.length = 0;
  traffic.checks.length = 0;
  traffic.failPut = undefined;
  traffic.beforeGet = undefined;
}

function checkPut(key: string): void {
  if (traffic.failPut?.(key)) throw new Error(`upload of '${key}' failed (injected)`);
}

/** A file-system backend that records the keys it uploads and downloads. */
export function countingBackend(inner: Backend): Backend {
  return {
    kind: "counting-fs",
    exists: async (k) => { traffic.checks.push(k); return inner.exists(k); },
    size: (k) => inner.size(k),
    getFile: async (k, d) => { traffic.gets.push(k); await traffic.beforeGet?.(k); return inner.getFile(k, d); },
    getBytes: async (k) => { traffic.gets.push(k); await traffic.beforeGet?.(k); return inner.getBytes(k); },
    getStream: async (k, r) => { traffic.gets.push(k); return inner.getStream(k, r); },
    putFile: async (k, s) => { checkPut(k); traffic.puts.push(k); return inner.putFile(k, s); },
    putBytes: async (k, b) => { checkPut(k); traffic.puts.push(k); return inner.putBytes(k, b); },
    // a publish's claim on its version: kept apart from the uploads of data
    putBytesIfAbsent: async (k, b) => { traffic.claims.push(k); return inner.putBytesIfAbsent!(k, b); },
    list: (p) => inner.list(p),
    remove: (k) => inner.remove(k),
  };
}

registerBackend("counting-fs", (host, name) => countingBackend(new FileSystemBackend(join(host, name))));
