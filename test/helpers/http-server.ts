// A small static HTTP server for tests: serves a folder on 127.0.0.1 with HEAD, single
// byte ranges (206/416), ETag/If-Range, and counters of requests and bytes sent.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join, normalize, sep } from "node:path";

/** Counters the tests read. */
export interface HttpServerStats {
  /** Requests by method. */
  requests: { GET: number; HEAD: number; other: number };
  /** Body bytes sent in total. */
  bytesSent: number;
  /** Body bytes sent per URL path. */
  bytesByPath: Map<string, number>;
  /** `Range` headers received, in order. */
  ranges: string[];
}

/** A running static server. */
export interface StaticHttpServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly stats: HttpServerStats;
  /** Zeroes the counters. */
  resetStats(): void;
  stop(): Promise<void>;
}

function parseRange(header: string, size: number): { start: number; end: number } | "invalid" | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined; // ignore what we do not support
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "invalid";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return "invalid";
  return { start, end };
}

/** Serves `root` on 127.0.0.1 (free port). */
export async function startStaticServer(root: string): Promise<StaticHttpServer> {
  const fresh = (): HttpServerStats => ({ requests: { GET: 0, HEAD: 0, other: 0 }, bytesSent: 0, bytesByPath: new Map(), ranges: [] });
  let stats = fresh();
  const server: Server = createServer(async (req, res) => {
    const method = req.method ?? "GET";
    if (method === "GET" || method === "HEAD") stats.requests[method]++;
    else {
      stats.requests.other++;
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(normalize(root) + sep)) {
      res.writeHead(403).end();
      return;
    }
    let info;
    try {
      info = await stat(file);
    } catch {
      info = undefined;
    }
    if (!info?.isFile()) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end(method === "HEAD" ? undefined : "not found");
      return;
    }
    const size = info.size;
    const etag = `"${size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers: Record<string, string | number> = { "Accept-Ranges": "bytes", ETag: etag, "Content-Type": "application/octet-stream" };
    const rangeHeader = req.headers.range;
    const ifRange = req.headers["if-range"];
    let range = rangeHeader && (!ifRange || ifRange === etag) ? parseRange(rangeHeader, size) : undefined;
    if (rangeHeader) stats.ranges.push(rangeHeader);
    if (range === "invalid") {
      res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
      return;
    }
    if (range && size === 0) range = undefined;
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const length = size === 0 ? 0 : end - start + 1;
    headers["Content-Length"] = length;
    if (range) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (method === "HEAD" || length === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on("data", (chunk) => {
      stats.bytesSent += chunk.length;
      stats.bytesByPath.set(path, (stats.bytesByPath.get(path) ?? 0) + chunk.length);
    });
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get stats() {
      return stats;
    },
    resetStats() {
      stats = fresh();
    },
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
