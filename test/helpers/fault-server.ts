// A rule-driven fault-injecting reverse proxy on 127.0.0.1 (after QA 22's faultsrv.mjs):
// stalls, dropped and re-encoded bodies, short bodies, error answers, resets.
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";

/** What to do with a matching request. */
export type FaultAction =
  /** Answer `status` with an S3-style XML error `code`; upstream not asked. */
  | { action: "status"; status: number; code?: string }
  /** Destroy the socket without an answer. */
  | { action: "reset" }
  /** Forward headers and `after` body bytes, then destroy the socket. */
  | { action: "truncate"; after: number }
  /** Forward headers and `after` body bytes, then send nothing more (until the proxy stops). */
  | { action: "stall"; after: number }
  /** Send nothing at all. */
  | { action: "stallHeaders" }
  /** Forward the whole body without Content-Length (chunked encoding), ending cleanly. */
  | { action: "chunked" }
  /** Announce `extra` bytes more than the body has, send the body, close. */
  | { action: "shortLength"; extra?: number };

/** A fault for requests whose `METHOD url` matches `match`, applied `times` times (-1: always). */
export type FaultRule = FaultAction & { match: RegExp; times: number };

/** One request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  range: string | undefined;
  /** The action applied, or `forward`. */
  action: string;
}

export interface FaultServer {
  readonly url: string;
  /** Rules, first match wins; edit freely between requests. */
  rules: FaultRule[];
  readonly seen: SeenRequest[];
  stop(): Promise<void>;
}

function pickRule(rules: FaultRule[], line: string): FaultRule | undefined {
  const rule = rules.find((r) => r.times !== 0 && r.match.test(line));
  if (rule && rule.times > 0) rule.times--;
  return rule;
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer): Promise<IncomingMessage> {
  return new Promise((done, fail) => {
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, done);
    up.on("error", fail);
    up.end(body);
  });
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handle(upstream: URL, rule: FaultRule | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readAll(req);
  if (rule?.action === "reset") return void req.socket.destroy();
  if (rule?.action === "stallHeaders") return;
  if (rule?.action === "status") {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${rule.code ?? "InternalError"}</Code><Message>injected</Message></Error>`;
    res.writeHead(rule.status, { "Content-Type": "application/xml", "Content-Length": Buffer.byteLength(xml) });
    return void res.end(req.method === "HEAD" ? undefined : xml);
  }
  const up = await forward(upstream, req, body);
  const data = await readAll(up);
  const headers = { ...up.headers };
  delete headers["transfer-encoding"];
  delete headers.connection;
  if (rule?.action === "chunked") delete headers["content-length"];
  if (rule?.action === "shortLength") headers["content-length"] = String(data.length + (rule.extra ?? 100));
  res.writeHead(up.statusCode ?? 502, headers);
  if (req.method === "HEAD") return void res.end();
  if (rule?.action === "truncate" || rule?.action === "stall") {
    res.write(data.subarray(0, rule.after));
    if (rule.action === "truncate") setTimeout(() => req.socket.destroy(), 20);
    return;
  }
  if (rule?.action === "shortLength") {
    res.write(data);
    return void setTimeout(() => req.socket.end(), 20);
  }
  res.end(data);
}

/** Starts a proxy forwarding to `target` (e.g. a moto endpoint or a static server). */
export async function startFaultServer(target: string): Promise<FaultServer> {
  const upstream = new URL(target);
  const state = { rules: [] as FaultRule[], seen: [] as SeenRequest[] };
  const server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    const rule = pickRule(state.rules, line);
    state.seen.push({ method: req.method ?? "", url: req.url ?? "", range: req.headers.range, action: rule?.action ?? "forward" });
    handle(upstream, rule, req, res).catch(() => res.destroy());
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get rules() {
      return state.rules;
    },
    set rules(rules: FaultRule[]) {
      state.rules = rules;
    },
    seen: state.seen,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
