import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../../backends/backend.js";
import { extractArchive } from "./archive.js";
import type { Dependencies } from "./dependencies.js";
import { dependenciesFromCsv, dependenciesToCsvBytes } from "./dependencies-csv.js";
import { dependenciesFromParquet } from "./dependencies-parquet.js";
import { MissingVersionError } from "./errors.js";
import { depsParquetKey, depsZipKey } from "./layout.js";
import { unzipBytes } from "./unzip-bytes.js";
import { zipBytes } from "./zip-bytes.js";

/** A dependency table as stored: the bytes of `db.parquet`, or of `db.zip` holding `db.csv`. */
export interface StoredDependencies {
  key: string;
  format: "parquet" | "zip";
  data: Uint8Array;
}

/**
 * Downloads the dependency table of `name` `version` as stored: `db.parquet` (audb >= 1.7)
 * when present, else the legacy `db.zip` holding `db.csv` (what audb-ts writes).
 */
export async function fetchStoredDependencies(backend: Backend, name: string, version: string): Promise<StoredDependencies> {
  const parquetKey = depsParquetKey(name, version);
  if (await backend.exists(parquetKey)) return { key: parquetKey, format: "parquet", data: await backend.getBytes(parquetKey) };
  const zipKey = depsZipKey(name, version);
  if (!(await backend.exists(zipKey))) {
    throw new MissingVersionError(`no dependency table for '${name}' ${version}: neither '${parquetKey}' nor '${zipKey}' exists`);
  }
  return { key: zipKey, format: "zip", data: await backend.getBytes(zipKey) };
}

/** The text of the `db.csv` in a stored `db.zip` (`key` names it in errors). */
export async function csvOfZip(zip: Uint8Array, key: string): Promise<string> {
  const entries = await unzipBytes(zip, key);
  if (entries) {
    const csv = entries.find((e) => e.name === "db.csv");
    if (!csv) throw new MissingVersionError(`'${key}' holds no db.csv`);
    return csv.data.toString("utf8");
  }
  const dir = await mkdtemp(join(tmpdir(), "audb-deps-"));
  try {
    await extractArchive(zip, join(dir, "x"));
    return await readFile(join(dir, "x", "db.csv"), "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses a dependency table as stored. */
export async function parseStoredDependencies(stored: StoredDependencies): Promise<Dependencies> {
  return stored.format === "parquet"
    ? dependenciesFromParquet(stored.data, stored.key)
    : dependenciesFromCsv(await csvOfZip(stored.data, stored.key), stored.key);
}

/** Downloads and parses the dependency table of `name` `version` (see {@link fetchStoredDependencies}). */
export async function fetchDependencies(backend: Backend, name: string, version: string): Promise<Dependencies> {
  return parseStoredDependencies(await fetchStoredDependencies(backend, name, version));
}

/** The `db.zip` holding `csv` as `db.csv` (deflated on libuv's pool). */
export function zipDependencyTable(csv: Buffer): Promise<Buffer> {
  return zipBytes([{ name: "db.csv", data: csv, compression: "fast" }]);
}

/** Puts `zip` as `N/V/db.zip` and deletes `N/V/db.parquet`, which readers would otherwise prefer. */
export async function putDependencyTable(backend: Backend, name: string, version: string, zip: Buffer): Promise<void> {
  await backend.putBytes(depsZipKey(name, version), zip);
  if (await backend.exists(depsParquetKey(name, version))) await backend.remove(depsParquetKey(name, version));
}

/** Uploads `deps` as `N/V/db.zip` (see {@link putDependencyTable}). */
export async function uploadDependencyTable(backend: Backend, name: string, version: string, deps: Dependencies): Promise<void> {
  await putDependencyTable(backend, name, version, await zipDependencyTable(dependenciesToCsvBytes(deps)));
}
