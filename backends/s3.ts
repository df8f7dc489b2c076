// S3 backend: bucket = repository name, key = backend key. Loaded lazily (see
// s3-register.ts) so the AWS SDK is only imported when an S3 repository is used.
import "./aws-sdk-env.js"; // first: sets the SDK's environment before it loads
import { createHash } from "node:crypto";
import { open, readFile, stat } from "node:fs/promises";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { BackendUnavailableError, MissingKeyError, validateKey, validatePrefix, type Backend, type Listing } from "./backend.js";
import { AccessDeniedError, BucketNotFoundError, EndpointTimeoutError, EndpointUnreachableError, ServerError, WrongRegionError } from "./remote-errors.js";
import { idleGuard, idleTimeoutMs } from "./idle-timeout.js";
import { readWholeToBytes, readWholeToFile } from "./download-file.js";
import { sliceStream } from "./stream-slice.js";
import { resumableRange, type RangeSource } from "./resumable-range.js";
import { backoffDelay, defaultRetryPolicy, isTransientNetworkError, networkErrorCode, withRetry, type RetryPolicy } from "./retry.js";

/** Options of {@link S3Backend}. All optional. */
export interface S3BackendOptions {
  /** Region; default from the host (`s3.<region>.amazonaws.com`), `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Explicit credentials; default the SDK's chain (env, profile, SSO, instance role). */
  credentials?: S3ClientConfig["credentials"];
  /**
   * Send unsigned requests (public buckets). Default: `AUDB_S3_ANONYMOUS=1`, or
   * automatically when the credential chain finds nothing.
   */
  anonymous?: boolean;
  /** Objects larger than this are uploaded in parts of this size (>= 5 MiB; default 8 MiB). */
  partSize?: number;
  /** Parts uploaded in parallel per object (default 2; memory use is queueSize x partSize). */
  queueSize?: number;
  /** Path-style addressing; default true for custom endpoints, false for AWS. */
  forcePathStyle?: boolean;
  /** SDK checksum mode for requests; default `WHEN_REQUIRED` for custom endpoints. */
  requestChecksumCalculation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /** SDK checksum mode for responses; default `WHEN_REQUIRED` for custom endpoints. */
  responseChecksumValidation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /** Retries of whole transfers (streamed downloads resume with a Range request). */
  retry?: RetryPolicy;
  /**
   * Attempts of the SDK's own retry per request; default 1, as this backend retries every
   * request itself with `retry` (attempts would multiply otherwise).
   */
  maxAttempts?: number;
  /** Socket connect timeout in ms (default 10 s). */
  connectionTimeout?: number;
  /**
   * Idle timeout in ms: a request whose socket sees no bytes this long (no answer, a stalled
   * body) counts as dropped and is retried. Default `AUDB_NETWORK_IDLE_TIMEOUT` (s), else 60 s.
   */
  idleTimeout?: number;
  /** Kind name reported by `kind` (`s3` or the alias it was registered under). */
  kind?: string;
}

/** Where a `host` string points: a custom endpoint or AWS. */
export interface S3Endpoint {
  /** Endpoint URL for the SDK, undefined for AWS (the SDK derives it from the region). */
  endpoint: string | undefined;
  /** Region, when the host names one. */
  region: string | undefined;
  /** True for `*.amazonaws.com`. */
  aws: boolean;
}

/**
 * Interprets `host`: `http(s)://...` is an endpoint URL; `s3.<region>.amazonaws.com`
 * (or `s3-<region>...`, `s3.amazonaws.com`) is AWS; any other `host[:port]` is an
 * HTTPS endpoint (HTTP on loopback), like audbackend's MinIO backend.
 */
export function parseS3Host(host: string): S3Endpoint {
  const url = /^https?:\/\//i.test(host)
    ? new URL(host)
    : new URL(`${/^(localhost|127\.|\[::1\])/.test(host) ? "http" : "https"}://${host}`);
  const name = url.hostname.toLowerCase();
  if (name.endsWith(".amazonaws.com")) {
    const match = /^(?:.*\.)?s3[.-](?:dualstack\.)?([a-z0-9-]+)\.amazonaws\.com$/.exec(name);
    const region = match && match[1] !== "amazonaws" ? match[1] : name === "s3.amazonaws.com" ? "us-east-1" : undefined;
    return { endpoint: undefined, region, aws: true };
  }
  return { endpoint: url.origin, region: undefined, aws: false };
}

function envAnonymous(): boolean {
  return /^(1|true|yes)$/i.test(process.env.AUDB_S3_ANONYMOUS ?? "");
}

/** The store does not implement the request (e.g. listing multipart uploads on some S3 clones). */
function notImplemented(error: unknown): boolean {
  const e = error as SdkError;
  return (e.Code ?? e.name) === "NotImplemented" || e.$metadata?.httpStatusCode === 501;
}

const noSigner = { sign: async <T>(request: T): Promise<T> => request };

interface SdkError {
  name?: string;
  Code?: string;
  Region?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

/** An S3 bucket as a {@link Backend}. Safe to call concurrently. */
export class S3Backend implements Backend {
  readonly kind: string;
  /** Bucket name (= repository name). */
  readonly bucket: string;
  /** Endpoint URL as used in error messages. */
  readonly endpoint: string;
  private readonly options: S3BackendOptions;
  private readonly parsed: S3Endpoint;
  private readonly region: string;
  private clientPromise: Promise<S3Client> | undefined;
  private bucketChecked = false;

  constructor(host: string, bucket: string, options: S3BackendOptions = {}) {
    this.kind = options.kind ?? "s3";
    this.bucket = bucket;
    this.options = options;
    this.parsed = parseS3Host(host);
    // `||`, not `??`: an empty AWS_REGION (set but blank, as CI templates leave it) means unset
    this.region = options.region || this.parsed.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";
    this.endpoint = this.parsed.endpoint ?? `https://s3.${this.region}.amazonaws.com`;
  }

  /** SDK client configuration this backend uses (signed or anonymous). */
  clientConfig(anonymous: boolean): S3ClientConfig {
    const o = this.options;
    const custom = !this.parsed.aws;
    const config: S3ClientConfig = {
      region: this.region,
      endpoint: this.parsed.endpoint,
      forcePathStyle: o.forcePathStyle ?? custom,
      maxAttempts: o.maxAttempts ?? 1,
      retryMode: "standard",
      requestHandler: { connectionTimeout: o.connectionTimeout ?? 10_000, socketTimeout: idleTimeoutMs(o.idleTimeout) },
    };
    const requestMode = o.requestChecksumCalculation ?? (custom ? "WHEN_REQUIRED" : undefined);
    const responseMode = o.responseChecksumValidation ?? (custom ? "WHEN_REQUIRED" : undefined);
    if (requestMode) config.requestChecksumCalculation = requestMode;
    if (responseMode) config.responseChecksumValidation = responseMode;
    if (anonymous) {
      config.signer = noSigner;
      config.credentials = { accessKeyId: "", secretAccessKey: "" };
    } else if (o.credentials) {
      config.credentials = o.credentials;
    }
    return config;
  }

  /** The SDK client; decides once whether requests are signed. */
  client(): Promise<S3Client> {
    this.clientPromise ??= this.makeClient();
    return this.clientPromise;
  }

  private async makeClient(): Promise<S3Client> {
    const anonymous = this.options.anonymous ?? envAnonymous();
    if (anonymous) return new S3Client(this.clientConfig(true));
    const signed = new S3Client(this.clientConfig(false));
    if (this.options.credentials) return signed;
    try {
      await signed.config.credentials();
      return signed;
    } catch (error) {
      if ((error as SdkError).name !== "CredentialsProviderError") throw error;
      signed.destroy();
      return new S3Client(this.clientConfig(true));
    }
  }

  private where(key?: string): string {
    return key === undefined ? `bucket '${this.bucket}' on ${this.endpoint}` : `key '${key}' in bucket '${this.bucket}' on ${this.endpoint}`;
  }

  /** Maps an SDK or network error to a typed audb error naming bucket, key and endpoint. */
  private translate(error: unknown, key?: string): Error {
    if (error instanceof BackendUnavailableError || error instanceof MissingKeyError) return error;
    const e = (error ?? {}) as SdkError;
    const code = e.Code ?? e.name ?? "";
    const status = e.$metadata?.httpStatusCode;
    const where = this.where(key);
    if (code === "NoSuchBucket") return new BucketNotFoundError(`bucket '${this.bucket}' does not exist on ${this.endpoint}`, { cause: error });
    if (code === "NoSuchKey" || (code === "NotFound" && key !== undefined)) return new MissingKeyError(`${where} does not exist`, { cause: error });
    if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || code === "IllegalLocationConstraintException" || status === 301) {
      const actual = e.Region ?? e.$response?.headers?.["x-amz-bucket-region"];
      return new WrongRegionError(
        `${where}: bucket is in ${actual ? `region '${actual}'` : "another region"}, not '${this.region}' (set the host to s3.${actual ?? "<region>"}.amazonaws.com)`,
        { cause: error },
      );
    }
    if (status === 403 || /^(AccessDenied|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|InvalidToken|AllAccessDisabled)$/.test(code)) {
      return new AccessDeniedError(`access denied to ${where} (${code || status}); check the AWS credentials`, { cause: error });
    }
    const network = networkErrorCode(error);
    if ((network === "ETIMEDOUT" || network === "TimeoutError") && status === undefined) {
      return new EndpointTimeoutError(`${this.endpoint} stopped answering for ${where} (idle timeout ${idleTimeoutMs(this.options.idleTimeout) / 1000} s)`, { cause: error });
    }
    if (network && status === undefined) return new EndpointUnreachableError(`cannot reach ${this.endpoint} for ${where} (${network})`, { cause: error });
    if (status !== undefined && status >= 500) return new ServerError(`server error ${status} (${code}) for ${where}`, { cause: error });
    return new BackendUnavailableError(`S3 request failed for ${where}: ${code || status || e.message || String(error)}`, { cause: error });
  }

  /** A 404 without body (HEAD) is ambiguous: find out once whether the bucket exists. */
  private async missing(key: string, cause: unknown): Promise<MissingKeyError> {
    if (!this.bucketChecked) {
      const client = await this.client();
      try {
        await this.retried(() => client.send(new HeadBucketCommand({ Bucket: this.bucket })));
      } catch (error) {
        const status = (error as SdkError).$metadata?.httpStatusCode;
        if (status === 404) throw new BucketNotFoundError(`bucket '${this.bucket}' does not exist on ${this.endpoint}`, { cause: error });
        throw this.translate(error);
      }
      this.bucketChecked = true;
    }
    return new MissingKeyError(`${this.where(key)} does not exist`, { cause });
  }

  private async head(key: string): Promise<{ size: number; etag: string | undefined } | undefined> {
    const client = await this.client();
    try {
      const out = await this.retried(() => client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return { size: out.ContentLength ?? 0, etag: out.ETag };
    } catch (error) {
      const e = error as SdkError;
      if (e.$metadata?.httpStatusCode === 404 || e.name === "NotFound" || e.name === "NoSuchKey") {
        await this.missing(key, error);
        return undefined;
      }
      throw this.translate(error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    validateKey(key);
    return (await this.head(key)) !== undefined;
  }

  async size(key: string): Promise<number> {
    validateKey(key);
    const info = await this.head(key);
    if (!info) throw await this.missing(key, undefined);
    return info.size;
  }

  private async getObject(key: string, range?: string, ifMatch?: string): Promise<GetObjectCommandOutput> {
    const client = await this.client();
    try {
      return await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range, IfMatch: ifMatch }));
    } catch (error) {
      const e = error as SdkError;
      if (e.name === "NoSuchKey" || (e.$metadata?.httpStatusCode === 404 && e.name !== "NoSuchBucket")) throw await this.missing(key, error);
      throw this.translate(error, key);
    }
  }

  /**
   * Reads the whole object into `sink`, resuming with a Range request after a dropped
   * connection or 5xx. `sink` sees every byte exactly once, in order, except that after
   * `restart` (the resume was refused: 416, or the object changed: 412) it sees them anew.
   */
  private async readWhole(key: string, sink: (chunk: Uint8Array) => Promise<void> | void, restart: () => Promise<void> | void): Promise<number> {
    const policy = this.options.retry ?? defaultRetryPolicy;
    let received = 0;
    let total: number | undefined;
    let etag: string | undefined;
    let failures = 0;
    let restarts = 0;
    for (;;) {
      const before = received;
      try {
        const out = await this.getObject(key, received > 0 ? `bytes=${received}-` : undefined, etag);
        if (received === 0) {
          // Without Content-Length (chunked encoding, re-encoding proxies) the size is unknown: read to the end.
          total = objectSize(out);
          etag = out.ETag;
        } else {
          total ??= objectSize(out);
        }
        for await (const chunk of this.guarded(key, out.Body as Readable | undefined)) {
          const bytes = chunk as Uint8Array;
          received += bytes.length;
          await sink(bytes);
        }
        if (total !== undefined && received !== total) throw Object.assign(new Error(`short read: ${received} of ${total} bytes`), { code: "ECONNRESET" });
        return received;
      } catch (error) {
        const status = statusOf(error);
        if (received > 0 && (status === 416 || status === 412) && ++restarts < policy.attempts) {
          // The first answer's length or the object was wrong: fetch it again from byte 0.
          await restart();
          received = 0;
          total = undefined;
          etag = undefined;
          continue;
        }
        const retryable = worthRetrying(error);
        if (received > before) failures = 0;
        failures++;
        if (!retryable || failures >= policy.attempts) throw this.translate(error, key);
        await new Promise((r) => setTimeout(r, backoffDelay(policy, failures - 1)));
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
      throw new RangeError(`invalid range ${range.start}..${range.end} for ${this.where(key)}`);
    }
    // The first request's failure (missing key, denied) is thrown here; later drops resume,
    // also those of a whole object whose size is known (a consumer that pauses longer than
    // the idle timeout lets the socket idle: the SDK times it out).
    let first: Readable;
    if (range) {
      first = await this.openStream(key, range);
    } else {
      const whole = await this.openWhole(key);
      if (whole.size === undefined || whole.size === 0) return whole.body;
      first = whole.body;
      range = { start: 0, end: whole.size - 1 };
    }
    const source: RangeSource = {
      open: (start, end) => this.openStream(key, { start, end }),
      retryable: worthRetrying,
      translate: (error) => this.translate(error, key),
      idleMs: idleTimeoutMs(this.options.idleTimeout),
    };
    return resumableRange(source, range.start, range.end, this.options.retry ?? defaultRetryPolicy, first);
  }

  /** A whole object's body and its size, when the server gave one. */
  private async openWhole(key: string): Promise<{ body: Readable; size?: number }> {
    const out = await withRetry(this.options.retry ?? defaultRetryPolicy, worthRetrying, () => this.getObject(key));
    const body = Readable.from(this.guarded(key, out.Body as Readable | undefined), { objectMode: false });
    return out.ContentLength === undefined ? { body } : { body, size: out.ContentLength };
  }

  private async openStream(key: string, range: { start: number; end: number }): Promise<Readable> {
    const policy = this.options.retry ?? defaultRetryPolicy;
    const out = await withRetry(policy, worthRetrying, () => this.getObject(key, `bytes=${range.start}-${range.end}`));
    const body = Readable.from(this.guarded(key, out.Body as Readable | undefined), { objectMode: false });
    // Some servers ignore the Range or widen it (s3rver answers bytes=0-0 with the whole object).
    const served = /^bytes (\d+)-(\d+)\//.exec(out.ContentRange ?? "");
    const servedStart = served ? Number(served[1]) : 0;
    const servedEnd = served ? Number(served[2]) : Number.POSITIVE_INFINITY;
    if (servedStart === range.start && servedEnd <= range.end) return body;
    if (servedStart > range.start) throw new ServerError(`server returned bytes ${out.ContentRange} for requested range ${range.start}-${range.end} of ${this.where(key)}`);
    const slice = sliceStream(range.start - servedStart, range.end - range.start + 1);
    body.on("error", (error) => slice.destroy(error));
    slice.on("end", () => body.destroy());
    return body.pipe(slice);
  }

  /** The chunks of a GetObject body, failing when the server sends nothing for the idle timeout. */
  private guarded(key: string, body: Readable | undefined): AsyncIterable<Uint8Array> {
    if (!body) return Readable.from([]);
    return idleGuard(body as AsyncIterable<Uint8Array>, idleTimeoutMs(this.options.idleTimeout), this.where(key), (error) => body.destroy(error));
  }

  /** Runs an SDK request with the retry policy (dropped connections, timeouts, 429, 5xx); errors stay raw. */
  private retried<T>(attempt: () => Promise<T>): Promise<T> {
    return withRetry(this.options.retry ?? defaultRetryPolicy, worthRetrying, attempt);
  }

  /** {@link retried}, with the final error translated. */
  private async retrying<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    try {
      return await this.retried(attempt);
    } catch (error) {
      throw this.translate(error, key);
    }
  }

  private partSize(): number {
    return Math.max(5 * 1024 * 1024, this.options.partSize ?? 8 * 1024 * 1024);
  }

  /**
   * Uploads a file: one PutObject up to the part size, else a multipart upload where each
   * of `queueSize` workers reads its parts into one reused buffer. lib-storage's Upload
   * allocates a new buffer per part, which peaked at 17-102 MiB of JS memory for a 64 MiB
   * file; this stays at queueSize x partSize.
   */
  async putFile(key: string, src: string): Promise<void> {
    validateKey(key);
    const checksum = await md5OfFile(src);
    const { size } = await stat(src);
    if (size <= this.partSize()) {
      const data = await readFile(src);
      const client = await this.client();
      await this.retrying(key, () =>
        client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length, Metadata: { checksum } })),
      );
      return;
    }
    await this.multipartFromFile(key, src, size, checksum);
  }

  private async multipartFromFile(key: string, src: string, size: number, checksum: string): Promise<void> {
    const client = await this.client();
    const partSize = this.partSize();
    const created = await this.retrying(key, () =>
      client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Metadata: { checksum } })),
    );
    const upload = { Bucket: this.bucket, Key: key, UploadId: created.UploadId };
    const partCount = Math.ceil(size / partSize);
    const etags: string[] = [];
    let next = 0;
    let failed = false;
    const handle = await open(src, "r");
    try {
      const worker = async (): Promise<void> => {
        const buffer = Buffer.allocUnsafeSlow(partSize);
        for (let part = next++; part < partCount && !failed; part = next++) {
          const offset = part * partSize;
          const length = Math.min(partSize, size - offset);
          for (let read = 0; read < length; ) {
            const { bytesRead } = await handle.read(buffer, read, length - read, offset + read);
            if (bytesRead === 0) throw new Error(`${src} shrank while uploading it to ${this.where(key)}`);
            read += bytesRead;
          }
          const out = await this.retrying(key, () =>
            client.send(new UploadPartCommand({ ...upload, PartNumber: part + 1, Body: buffer.subarray(0, length), ContentLength: length })),
          );
          etags[part] = out.ETag ?? "";
        }
      };
      const workers = Array.from({ length: Math.min(this.options.queueSize ?? 2, partCount) }, () =>
        worker().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      );
      await Promise.all(workers);
      await this.retrying(key, () =>
        client.send(
          new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }),
        ),
      );
    } catch (error) {
      failed = true;
      await client.send(new AbortMultipartUploadCommand(upload)).catch(() => undefined);
      throw this.translate(error, key);
    } finally {
      await handle.close();
    }
  }

  /** Uploads bytes: PutObject up to the part size, else lib-storage's multipart Upload. */
  async putBytes(key: string, data: Uint8Array): Promise<void> {
    validateKey(key);
    const checksum = createHash("md5").update(data).digest("hex");
    const client = await this.client();
    if (data.length > this.partSize()) {
      await this.retrying(key, () =>
        new Upload({
          client,
          params: { Bucket: this.bucket, Key: key, Body: data, Metadata: { checksum } },
          partSize: this.partSize(),
          queueSize: this.options.queueSize ?? 2,
          leavePartsOnError: false,
        }).done(),
      );
      return;
    }
    await this.retrying(key, () =>
      client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length, Metadata: { checksum } })),
    );
  }

  /**
   * PutObject with `If-None-Match: *`, after a check for stores that ignore the header. A
   * refusal (412, or 409 for a write racing ours) is ours when the object holds our bytes:
   * a retry after a lost response finds its own write.
   */
  async putBytesIfAbsent(key: string, data: Uint8Array): Promise<boolean> {
    validateKey(key);
    if (await this.exists(key)) return false;
    const client = await this.client();
    const checksum = createHash("md5").update(data).digest("hex");
    try {
      await this.retrying(key, () =>
        client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: data, ContentLength: data.length, IfNoneMatch: "*", Metadata: { checksum } })),
      );
      return true;
    } catch (error) {
      const status = ((error as Error).cause as SdkError | undefined)?.$metadata?.httpStatusCode;
      if (status !== 412 && status !== 409) throw error;
      const there = await this.getBytes(key).catch(() => undefined);
      return there !== undefined && Buffer.from(there).equals(data);
    }
  }

  async list(prefix: string): Promise<Listing> {
    const base = validatePrefix(prefix);
    const s3Prefix = base === "" ? "" : `${base}/`;
    const client = await this.client();
    const dirs: string[] = [];
    const files: string[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.retried(() => client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: s3Prefix, Delimiter: "/", ContinuationToken: token })));
      } catch (error) {
        throw this.translate(error, base === "" ? undefined : s3Prefix);
      }
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix) dirs.push(p.Prefix.slice(s3Prefix.length).replace(/\/$/, ""));
      for (const o of out.Contents ?? []) if (o.Key && o.Key !== s3Prefix) files.push(o.Key.slice(s3Prefix.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return { dirs: dirs.sort(), files: files.sort() };
  }

  /**
   * Aborts the incomplete multipart uploads of keys under `prefix/` (what a killed upload
   * leaves: stored and billed, though no listing shows it); returns how many. A store that
   * answers `NotImplemented` to listing them has none to abort: 0.
   */
  async abortUploads(prefix: string): Promise<number> {
    const base = validatePrefix(prefix);
    const s3Prefix = base === "" ? "" : `${base}/`;
    const client = await this.client();
    const uploads: { Key: string; UploadId: string }[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let out;
      try {
        out = await this.retried(() =>
          client
            .send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: s3Prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }))
            .catch((error: unknown) => (notImplemented(error) ? undefined : Promise.reject(error))),
        );
      } catch (error) {
        throw this.translate(error, base === "" ? undefined : s3Prefix);
      }
      if (!out) return 0;
      for (const u of out.Uploads ?? []) if (u.Key?.startsWith(s3Prefix) && u.UploadId) uploads.push({ Key: u.Key, UploadId: u.UploadId });
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (keyMarker);
    for (const upload of uploads) {
      await this.retrying(upload.Key, () =>
        client
          .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, ...upload }))
          .catch((error: unknown) => ((error as SdkError).name === "NoSuchUpload" ? undefined : Promise.reject(error))),
      );
    }
    return uploads.length;
  }

  async remove(key: string): Promise<void> {
    validateKey(key);
    if (!(await this.exists(key))) throw await this.missing(key, undefined);
    const client = await this.client();
    await this.retrying(key, () => client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  /** md5 stored as user metadata `checksum` (what audbackend writes), or undefined. */
  async checksum(key: string): Promise<string | undefined> {
    validateKey(key);
    const client = await this.client();
    try {
      const out = await this.retried(() => client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return out.Metadata?.checksum;
    } catch (error) {
      if ((error as SdkError).$metadata?.httpStatusCode === 404) throw await this.missing(key, error);
      throw this.translate(error, key);
    }
  }

  /** Closes the SDK client's sockets. */
  async close(): Promise<void> {
    if (this.clientPromise) (await this.clientPromise.catch(() => undefined))?.destroy();
  }
}


/** The HTTP status of an SDK error, or of the SDK error a translated one wraps. */
function statusOf(error: unknown): number | undefined {
  const e = error as SdkError & { cause?: SdkError };
  return e?.$metadata?.httpStatusCode ?? e?.cause?.$metadata?.httpStatusCode;
}

/** Whether an error (raw or translated) is worth another attempt: a network failure, 429 or a 5xx. */
function worthRetrying(error: unknown): boolean {
  const status = statusOf(error) ?? 0;
  return isTransientNetworkError(error) || error instanceof ServerError || status === 429 || status >= 500;
}

/** The object's full size from a GetObject answer: Content-Range's total, else Content-Length; undefined when neither is sent. */
function objectSize(out: GetObjectCommandOutput): number | undefined {
  const range = /\/(\d+)$/.exec(out.ContentRange ?? "");
  if (range) return Number(range[1]);
  return out.ContentLength;
}

/** Hex md5 of a local file, read through one reused buffer (no garbage per chunk). */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  const handle = await open(path, "r");
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest("hex");
}
