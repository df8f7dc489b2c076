import type { Backend } from "../../backends/backend.js";
import type { Dependencies } from "../core/dependencies.js";
import { dependenciesToCsvSource } from "../core/dependencies-csv.js";
import { fetchDependencies } from "../core/remote-dependencies.js";
import { PublishClaim } from "./publish-claim.js";
import { sweepFolderTemps } from "./publish-sweep.js";
import { StagedDbCsv } from "./publish-upload.js";

/**
 * When a publish of `version` from `dbRoot` died after its header went up (the version
 * exists, the folder still holds the claim's record), does what it left: puts the
 * version's `db.csv` into the folder, gives back the claim and removes the folder's temp
 * files. Returns the version's dependency table, or undefined when the version was not
 * published from this folder.
 */
export async function finishPublishedHere(backend: Backend, name: string, version: string, dbRoot: string): Promise<Dependencies | undefined> {
  const claim = await PublishClaim.leftHere(backend, name, version, dbRoot);
  if (!claim) return undefined;
  const deps = await fetchDependencies(backend, name, version);
  const staged = new StagedDbCsv(dbRoot, dependenciesToCsvSource(deps).bytes);
  try {
    await staged.commit();
  } catch (error) {
    await staged.discard();
    throw error;
  }
  await claim.release();
  await sweepFolderTemps(dbRoot);
  return deps;
}
