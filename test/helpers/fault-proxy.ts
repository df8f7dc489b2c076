// An HTTP proxy on 127.0.0.1 in front of a test server that injects faults: bursts of
// 503 answers and connections dropped in the middle of a response body.
import { createServer, request, type IncomingHttpHeaders } from "node:http";

/** Faults still to inject; the proxy counts them down. */
export interface Faults {
  /** Answer this many upcoming requests with 503 Slow Down (not forwarded). */
  status503: number;
  /** Drop this many upcoming response bodies after `dropAfterBytes` bytes. */
  drops: number;
  /** Bytes of body forwarded before a drop. */
  dropAfterBytes: number;
  /** Only requests whose method and path match (e.g. /^GET \/bucket\/key/) get faults. */
  match?: RegExp;
}

/** What the proxy did. */
export interface ProxyStats {
  requests: number;
  injected503: number;
  dropped: number;
  /** Response body bytes forwarded to the client, in total and per request path (without query). */
  bytesDown: number;
  bytesByPath: Map<string, number>;
}

export interface FaultProxy {
  /** Base URL of the proxy. */
  readonly url: string;
  readonly faults: Faults;
  readonly stats: ProxyStats;
  /** Request headers seen, in order (for checks such as "unsigned"). */
  readonly seenHeaders: IncomingHttpHeaders[];
  stop(): Promise<void>;
}

/** Starts a proxy forwarding to `target` (e.g. `http://127.0.0.1:9000`). */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const faults: Faults = { status503: 0, drops: 0, dropAfterBytes: 0 };
  const stats: ProxyStats = { requests: 0, injected503: 0, dropped: 0, bytesDown: 0, bytesByPath: new Map() };
  const seenHeaders: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    stats.requests++;
    seenHeaders.push(req.headers);
    const eligible = !faults.match || faults.match.test(`${req.method} ${req.url}`);
    if (eligible && faults.status503 > 0) {
      faults.status503--;
      stats.injected503++;
      req.resume();
      res.writeHead(503, { "Content-Type": "application/xml", "Retry-After": "0" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected by fault proxy</Message></Error>');
      return;
    }
    const upstreamReq = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
        const length = Number(upstreamRes.headers["content-length"] ?? 0);
        const drop = eligible && faults.drops > 0 && req.method === "GET" && length > faults.dropAfterBytes;
        if (!drop) {
          const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
          upstreamRes.on("data", (chunk: Buffer) => {
            stats.bytesDown += chunk.length;
            stats.bytesByPath.set(path, (stats.bytesByPath.get(path) ?? 0) + chunk.length);
          });
          upstreamRes.pipe(res);
          return;
        }
        faults.drops--;
        const limit = faults.dropAfterBytes;
        let sent = 0;
        const cut = (): void => {
          stats.dropped++;
          upstreamRes.destroy();
          // Flush what was written, then cut the connection without finishing the body.
          setTimeout(() => res.socket?.destroy(), 20);
        };
        if (limit === 0) {
          res.flushHeaders();
          cut();
          return;
        }
        upstreamRes.on("data", (chunk: Buffer) => {
          if (sent >= limit) return;
          const part = chunk.subarray(0, limit - sent);
          sent += part.length;
          res.write(part);
          if (sent >= limit) cut();
        });
      },
    );
    upstreamReq.on("error", () => res.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    stats,
    seenHeaders,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
