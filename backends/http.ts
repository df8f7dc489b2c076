// Read-only HTTP(S) backend: a repository served by any static web server.
//
// Objects live at `<host>/<name>/<key>` (key segments URL-encoded). Reads use GET (with
// `Range` for partial reads and for resuming interrupted downloads), `exists` and `size`
// use HEAD. Static servers cannot list folders, so `list(prefix)` reads index files
// that the publisher writes next to the data (all UTF-8 JSON):
//
//   <prefix>/index.json   {"dirs": ["a", ...], "files": ["x.txt", ...]}   any folder
//   index.json (root)     {"datasets": ["name1", "name2", ...]}          dataset names
//   N/versions.json       {"versions": ["1.0.0", "1.1.0", ...]}          versions of N
//
// `dirs`, `datasets` and `versions` all list sub-folders; `files` lists objects. For
// prefix `""` the root `index.json` answers; for `N` (one segment) `N/index.json`, else
// `N/versions.json`; for deeper prefixes `<prefix>/index.json`. Without an index file the
// listing is empty. Entries that are not plain names (empty, `.`, `..`, containing `/`)
// are ignored.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { MissingKeyError, ReadOnlyBackendError, validateKey, validatePrefix, type Backend, type Listing } from "./backend.js";
import { AccessDeniedError, EndpointTimeoutError, EndpointUnreachableError, ServerError } from "./remote-errors.js";
import { idleGuard, idleTimeoutMs, withAnswerTimeout } from "./idle-timeout.js";
import { readWholeToBytes, readWholeToFile } from "./download-file.js";
import { sliceStream } from "./stream-slice.js";
import { resumableRange, type RangeSource } from "./resumable-range.js";
import { backoffDelay, defaultRetryPolicy, isTransientNetworkError, networkErrorCode, type RetryPolicy } from "./retry.js";

/** Options of {@link HttpBackend}. */
export interface HttpBackendOptions {
  /** Retries on 5xx, 429 and network errors; downloads resume with Range requests. */
  retry?: RetryPolicy;
  /** Extra request headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Kind name reported by `kind` (`http` or `https`). */
  kind?: string;
  /**
   * Idle timeout in ms: a request without an answer, or a body without a new byte, for this
   * long counts as dropped and is retried. Default `AUDB_NETWORK_IDLE_TIMEOUT` (s), else 60 s.
   */
  idleTimeout?: number;
}

class RetryableStatus extends Error {
  constructor(readonly status: number, url: string) {
    super(`HTTP ${status} from ${url}`);
  }
}

/** A repository on a static web server, read-only. Safe to call concurrently. */
export class HttpBackend implements Backend {
  readonly kind: string;
  readonly readOnly = true;
  /** Base URL of the repository, ending in `/`. */
  readonly baseUrl: string;
  private readonly retry: RetryPolicy;
  private readonly headers: Record<string, string>;
  private readonly idleMs: number;
  private readonly aborts = new WeakMap<Response, AbortController>();

  /** `host` is a base URL (`https://example.org/repos`); `name` the repository folder under it. */
  constructor(host: string, name: string, options: HttpBackendOptions = {}) {
    this.kind = options.kind ?? "http";
    const base = /^https?:\/\//i.test(host) ? host : `${this.kind === "http" ? "http" : "https"}://${host}`;
    this.baseUrl = `${base.replace(/\/+$/, "")}/${encodeURIComponent(name)}/`;
    this.retry = options.retry ?? defaultRetryPolicy;
    this.headers = options.headers ?? {};
    this.idleMs = idleTimeoutMs(options.idleTimeout);
  }

  /** URL of `key`. */
  url(key: string): string {
    return this.baseUrl + key.split("/").map(encodeURIComponent).join("/");
  }

  /**
   * One request with retries on network errors, 429 and 5xx. Returns the response for
   * any other status (the caller decides); the last failure becomes a typed error.
   */
  private async request(key: string, method: "GET" | "HEAD", headers: Record<string, string> = {}, retry = true): Promise<Response> {
    const url = this.url(key);
    const attempts = retry ? this.retry.attempts : 1;
    for (let attempt = 0; ; attempt++) {
      try {
        const controller = new AbortController();
        const response = await withAnswerTimeout(this.idleMs, url, (signal) => fetch(url, { method, headers: { ...this.headers, ...headers }, signal }), controller);
        this.aborts.set(response, controller);
        if (response.status === 429 || response.status >= 500) {
          await response.body?.cancel().catch(() => undefined);
          throw new RetryableStatus(response.status, url);
        }
        if (response.status === 401 || response.status === 403) {
          await response.body?.cancel().catch(() => undefined);
          throw new AccessDeniedError(`access denied (HTTP ${response.status}) to key '${key}' at ${url}`);
        }
        return response;
      } catch (error) {
        if (networkErrorCode(error) !== undefined && !isTransientNetworkError(error)) throw this.failure(error, key, url);
        const retryable = error instanceof RetryableStatus || isTransientNetworkError(error);
        if (!retryable) throw fetchRefused(error, key, url);
        if (attempt + 1 >= attempts) throw retry ? this.failure(error, key, url) : error;
        await new Promise((r) => setTimeout(r, backoffDelay(this.retry, attempt)));
      }
    }
  }

  /** The chunks of a response body, failing when the server sends nothing for the idle timeout. */
  private body(response: Response, url: string): AsyncIterable<Uint8Array> {
    if (!response.body) return Readable.from([]);
    const controller = this.aborts.get(response);
    return idleGuard(response.body as WebReadableStream<Uint8Array>, this.idleMs, url, (error) => controller?.abort(error));
  }

  private failure(error: unknown, key: string, url: string): Error {
    if (error instanceof RetryableStatus) return new ServerError(`HTTP ${error.status} for key '${key}' at ${url} (after ${this.retry.attempts} attempts)`, { cause: error });
    const code = networkErrorCode(error);
    if (code === "ETIMEDOUT" || code === "TimeoutError") {
      return new EndpointTimeoutError(`${url} stopped answering for key '${key}' (idle timeout ${this.idleMs / 1000} s)`, { cause: error });
    }
    return new EndpointUnreachableError(`cannot reach ${url} for key '${key}' (${code})`, { cause: error });
  }

  private missing(key: string, response: Response): MissingKeyError {
    return new MissingKeyError(`key '${key}' does not exist at ${this.url(key)} (HTTP ${response.status})`);
  }

  private check(key: string, response: Response): void {
    if (response.status === 404 || response.status === 410) throw this.missing(key, response);
    if (!response.ok) throw new ServerError(`unexpected HTTP ${response.status} for key '${key}' at ${this.url(key)}`);
  }

  async exists(key: string): Promise<boolean> {
    validateKey(key);
    const response = await this.request(key, "HEAD");
    if (response.status === 404 || response.status === 410) return false;
    this.check(key, response);
    return true;
  }

  async size(key: string): Promise<number> {
    validateKey(key);
    const response = await this.request(key, "HEAD");
    this.check(key, response);
    const length = response.headers.get("content-length");
    if (length === null) throw new ServerError(`no Content-Length for key '${key}' at ${this.url(key)}`);
    return Number(length);
  }

  /**
   * Reads the whole object into `sink`, resuming with `Range` + `If-Range` after a drop.
   * `restart` is called when the server sends the object again from byte 0.
   */
  private async readWhole(key: string, sink: (chunk: Uint8Array) => Promise<void> | void, restart: () => Promise<void> | void): Promise<void> {
    let received = 0;
    let total: number | undefined;
    let validator: string | undefined;
    let failures = 0;
    let restarts = 0;
    for (;;) {
      const before = received;
      try {
        const headers: Record<string, string> = received > 0 ? { Range: `bytes=${received}-` } : {};
        if (received > 0 && validator) headers["If-Range"] = validator;
        // One attempt: the loop here retries (and resumes), so attempts do not multiply.
        const response = await this.request(key, "GET", headers, false);
        if (received > 0 && response.status === 416 && ++restarts < this.retry.attempts) {
          // The first answer's length was wrong: fetch the object again from byte 0.
          await response.body?.cancel().catch(() => undefined);
          await restart();
          received = 0;
          validator = undefined;
          continue;
        }
        this.check(key, response);
        if (received > 0 && response.status !== 206) {
          await restart();
          received = 0;
        }
        if (received === 0) {
          const length = response.headers.get("content-length");
          total = length === null ? undefined : Number(length);
          validator = response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
        }
        for await (const chunk of this.body(response, this.url(key))) {
          received += chunk.length;
          await sink(chunk);
        }
        if (total !== undefined && received !== total) {
          throw Object.assign(new Error(`short read: ${received} of ${total} bytes`), { code: "ECONNRESET" });
        }
        return;
      } catch (error) {
        const retryable = error instanceof RetryableStatus || isTransientNetworkError(error);
        if (!retryable && networkErrorCode(error) === undefined) throw error;
        if (!retryable) throw this.failure(error, key, this.url(key));
        if (received > before) failures = 0;
        failures++;
        if (failures >= this.retry.attempts) throw this.failure(error, key, this.url(key));
        await new Promise((r) => setTimeout(r, backoffDelay(this.retry, failures - 1)));
      }
    }
  }

  async getFile(key: string, dest: string): Promise<void> {
    validateKey(key);
    await readWholeToFile(dest, (sink, restart) => this.readWhole(key, sink, restart));
  }

  async getBytes(key: string): Promise<Uint8Array> {
    validateKey(key);
    return readWholeToBytes((sink, restart) => this.readWhole(key, sink, restart));
  }

  async getStream(key: string, range?: { start: number; end: number }): Promise<Readable> {
    validateKey(key);
    if (range && !(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
      throw new RangeError(`invalid range ${range.start}..${range.end} for key '${key}' at ${this.url(key)}`);
    }
    if (!range) return this.openStream(key);
    // The first request's failure (missing key, denied) is thrown here; later drops resume.
    const first = await this.openStream(key, range);
    const source: RangeSource = {
      open: (start, end) => this.openStream(key, { start, end }),
      retryable: (error) => error instanceof RetryableStatus || error instanceof ServerError || isTransientNetworkError(error),
      translate: (error) => (error instanceof Error && !isTransientNetworkError(error) ? error : this.failure(error, key, this.url(key))),
    };
    return resumableRange(source, range.start, range.end, this.retry, first);
  }

  private async openStream(key: string, range?: { start: number; end: number }): Promise<Readable> {
    const response = await this.request(key, "GET", range ? { Range: `bytes=${range.start}-${range.end}` } : {});
    this.check(key, response);
    const body = Readable.from(this.body(response, this.url(key)), { objectMode: false });
    if (!range || response.status === 206) return body;
    // The server ignored the Range: cut the bytes out of the whole object.
    return body.pipe(sliceStream(range.start, range.end - range.start + 1));
  }

  async list(prefix: string): Promise<Listing> {
    const base = validatePrefix(prefix);
    const candidates = base === "" ? ["index.json"] : base.includes("/") ? [`${base}/index.json`] : [`${base}/index.json`, `${base}/versions.json`];
    for (const key of candidates) {
      let bytes: Uint8Array;
      try {
        bytes = await this.getBytes(key); // retried and resumed like any object
      } catch (error) {
        if (error instanceof MissingKeyError) continue;
        throw error;
      }
      let index: unknown;
      try {
        index = JSON.parse(Buffer.from(bytes).toString("utf8"));
      } catch (error) {
        throw new ServerError(`index file '${key}' at ${this.url(key)} is not valid JSON`, { cause: error });
      }
      return parseIndex(index);
    }
    return { dirs: [], files: [] };
  }

  async putFile(key: string): Promise<void> {
    throw this.readOnlyError(key);
  }

  async putBytes(key: string): Promise<void> {
    throw this.readOnlyError(key);
  }

  async remove(key: string): Promise<void> {
    throw this.readOnlyError(key);
  }

  private readOnlyError(key: string): ReadOnlyBackendError {
    return new ReadOnlyBackendError(`cannot write key '${key}': HTTP repository ${this.baseUrl} is read-only`);
  }
}

/** fetch's own refusals ("fetch failed", e.g. a port browsers block) as the endpoint error they are, with their reason; anything else as it is. */
function fetchRefused(error: unknown, key: string, url: string): unknown {
  const cause = (error as { cause?: unknown }).cause;
  if (!(error instanceof TypeError) || error.message !== "fetch failed" || !(cause instanceof Error)) return error;
  return new EndpointUnreachableError(`cannot reach ${url} for key '${key}' (${cause.message})`, { cause: error });
}

function names(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === "string" && v !== "" && v !== "." && v !== ".." && !v.includes("/"));
}

/** Reads an index file's JSON (format at the top of this file). */
export function parseIndex(index: unknown): Listing {
  const o = (index ?? {}) as Record<string, unknown>;
  const dirs = [...new Set([...names(o.dirs), ...names(o.datasets), ...names(o.versions)])].sort();
  const files = [...new Set(names(o.files))].sort();
  return { dirs, files };
}

