import type { Readable } from "node:stream";
import { AudbError } from "../src/errors.js";

/** A key that is absolute, contains `..`, `\` or empty segments. */
export class InvalidKeyError extends AudbError {}
/** The key does not exist on the backend. */
export class MissingKeyError extends AudbError {}
/** The backend cannot be reached or refuses access. */
export class BackendUnavailableError extends AudbError {}
/** The backend is read-only (e.g. HTTP). */
export class ReadOnlyBackendError extends AudbError {}

/** Entries directly under a prefix, like `ls` in a folder. */
export interface Listing {
  /** Names (not keys) of sub-"folders" directly under the prefix. */
  dirs: string[];
  /** Names (not keys) of objects directly under the prefix. */
  files: string[];
}

/**
 * Moves bytes under POSIX keys (`name/version/db.yaml`). Knows nothing of datasets.
 * Every write is atomic: a reader never sees a half-written object.
 */
export interface Backend {
  /** Kind name as registered, e.g. `file-system`, `s3`, `http`. */
  readonly kind: string;
  /** True for backends that cannot write (HTTP): writes fail with {@link ReadOnlyBackendError}. */
  readonly readOnly?: boolean;
  /** True when an object exists under `key`. */
  exists(key: string): Promise<boolean>;
  /** Size in bytes of the object under `key`; MissingKeyError if absent. */
  size(key: string): Promise<number>;
  /** Downloads `key` to the local file `dest` (written to a temp name, then renamed). */
  getFile(key: string, dest: string): Promise<void>;
  /** Reads `key` whole into memory. Use for small objects only. */
  getBytes(key: string): Promise<Uint8Array>;
  /** Streams `key`, optionally only bytes `start..end` (inclusive, like HTTP ranges). */
  getStream(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Uploads the local file `src` to `key`, replacing any object there. */
  putFile(key: string, src: string): Promise<void>;
  /** Uploads `data` to `key`, replacing any object there. */
  putBytes(key: string, data: Uint8Array): Promise<void>;
  /**
   * Uploads small `data` to `key` only when no object is there; false when one is (a
   * publish claims a version with it). Atomic on the file system and on S3 stores with
   * conditional writes (AWS, MinIO, R2, moto); on others a check, then a write.
   */
  putBytesIfAbsent?(key: string, data: Uint8Array): Promise<boolean>;
  /** Lists what lies directly under `prefix` (`""` = the root). */
  list(prefix: string): Promise<Listing>;
  /** Removes `key`; MissingKeyError if absent. */
  remove(key: string): Promise<void>;
  /**
   * Aborts the unfinished uploads of keys under `prefix/` that a killed upload left: parts
   * a store keeps (S3 multipart uploads) though no object and no {@link list} shows them.
   * Returns how many. Absent on backends whose uploads leave nothing behind when killed
   * (the file system writes to temp names, see `removeTempFilesOf`).
   */
  abortUploads?(prefix: string): Promise<number>;
  /**
   * Absolute path of the local file that holds `key`, for backends that keep keys as files
   * on this machine. Publish's worker threads then write archives of the new version
   * there themselves (see `writeNewFileSync`) instead of handing bytes to `putBytes`.
   */
  localPath?(key: string): string;
}

/**
 * Checks a backend key: relative POSIX path of non-empty segments, no `.`/`..`,
 * no backslash. Returns the key unchanged.
 */
export function validateKey(key: string): string {
  const bad =
    key.length === 0 ||
    key.startsWith("/") ||
    key.includes("\\") ||
    /^[A-Za-z]:/.test(key) ||
    key.split("/").some((s) => s === "" || s === "." || s === "..");
  if (bad) throw new InvalidKeyError(`invalid backend key '${key}': must be a relative POSIX path without '.', '..' or empty segments`);
  return key;
}

/** Validates a listing prefix: `""` or a valid key, optionally with a trailing `/`. */
export function validatePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/$/, "");
  if (trimmed === "") return "";
  return validateKey(trimmed);
}

/** Creates a backend for repository `name` on `host`. */
export type BackendFactory = (host: string, name: string) => Backend | Promise<Backend>;

const factories = new Map<string, BackendFactory>();

/** Registers a backend kind so `Repository` objects can name it. */
export function registerBackend(kind: string, factory: BackendFactory): void {
  factories.set(kind, factory);
}

/** The factory for a kind, or undefined. */
export function backendFactory(kind: string): BackendFactory | undefined {
  return factories.get(kind);
}

/** Registered kind names. */
export function backendKinds(): string[] {
  return [...factories.keys()];
}
