import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Backend } from "../../backends/backend.js";
import { createArchive, extractArchive } from "./archive.js";
import type { Dependencies } from "./dependencies.js";
import { dependenciesFromCsv, dependenciesToCsv } from "./dependencies-csv.js";
import { dependenciesFromParquet } from "./dependencies-parquet.js";
import { MissingVersionError } from "./errors.js";
import { depsParquetKey, depsZipKey } from "./layout.js";

/**
 * Downloads the dependency table of `name` `version`: `db.parquet` (audb >= 1.7) when
 * present, else the legacy `db.zip` holding `db.csv` (what audb-ts writes).
 */
export async function fetchDependencies(backend: Backend, name: string, version: string): Promise<Dependencies> {
  const parquetKey = depsParquetKey(name, version);
  if (await backend.exists(parquetKey)) {
    return dependenciesFromParquet(await backend.getBytes(parquetKey), parquetKey);
  }
  const zipKey = depsZipKey(name, version);
  if (!(await backend.exists(zipKey))) {
    throw new MissingVersionError(`no dependency table for '${name}' ${version}: neither '${parquetKey}' nor '${zipKey}' exists`);
  }
  const dir = await mkdtemp(join(tmpdir(), "audb-deps-"));
  try {
    await backend.getFile(zipKey, join(dir, "db.zip"));
    await extractArchive(join(dir, "db.zip"), join(dir, "x"));
    return dependenciesFromCsv(await readFile(join(dir, "x", "db.csv"), "utf8"), zipKey);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Uploads `deps` as `N/V/db.zip` (holding `db.csv`) and deletes `N/V/db.parquet`, which
 * readers would otherwise prefer.
 */
export async function uploadDependencyTable(backend: Backend, name: string, version: string, deps: Dependencies, workDir: string): Promise<void> {
  const dir = await mkdtemp(join(workDir, "deps-"));
  await writeFile(join(dir, "db.csv"), dependenciesToCsv(deps));
  await createArchive(join(dir, "db.zip"), dir, ["db.csv"]);
  await backend.putFile(depsZipKey(name, version), join(dir, "db.zip"));
  if (await backend.exists(depsParquetKey(name, version))) await backend.remove(depsParquetKey(name, version));
}
