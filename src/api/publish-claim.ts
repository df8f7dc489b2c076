import { randomUUID } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "../../backends/filesystem.js";
import type { Backend } from "../../backends/backend.js";
import { PublishInProgressError, VersionExistsError } from "../core/errors.js";
import { headerKey } from "../core/layout.js";

/** Where a publish claims a version in the repository: next to the header it will write. */
export const claimKey = (name: string, version: string) => `${name}/${version}/db.publishing.json`;

/** The claim's record in the database folder, so that the same folder can finish an interrupted publish. */
export const LOCAL_CLAIM_FILE = ".audb-publish-claim.json";

interface Claim {
  token: string;
  host: string;
  user: string;
  pid: number;
  started: string;
}

/**
 * A version claimed for one publish: two publishes of the same version (two people, two
 * machines on one S3 bucket) would otherwise overwrite each other's archives. The claim is
 * an object written only if absent, and removed when the publish ends, with or without
 * success. The folder it was taken from keeps its token, so a publish run again from there
 * after a crash or kill takes it over.
 */
export class PublishClaim {
  private constructor(
    private readonly backend: Backend,
    private readonly key: string,
    private readonly localFile: string,
  ) {}

  /**
   * Claims `version` of `name`, or throws {@link PublishInProgressError} naming who holds
   * it (`breakClaim` takes it over), or {@link VersionExistsError} when a publish finished
   * it meanwhile.
   */
  static async take(
    backend: Backend, name: string, version: string, dbRoot: string, repository: string, breakClaim = false,
  ): Promise<PublishClaim> {
    const key = claimKey(name, version);
    const localFile = join(dbRoot, LOCAL_CLAIM_FILE);
    const own = await ownToken(localFile, key);
    const claim: Claim = { token: randomUUID(), host: hostname(), user: userName(), pid: process.pid, started: new Date().toISOString() };
    const bytes = Buffer.from(`${JSON.stringify(claim)}\n`);
    // the folder's record is written meanwhile: a token no claim holds means nothing
    const [claimed, recorded] = await Promise.allSettled([
      putIfAbsent(backend, key, bytes),
      writeAtomically(localFile, (temp) => writeFile(temp, JSON.stringify({ key, token: claim.token }))),
    ]);
    if (claimed.status === "rejected") {
      await rm(localFile, { force: true });
      throw claimed.reason;
    }
    const won = claimed.value;
    if (recorded.status === "rejected") {
      if (won) await backend.remove(key).catch(() => undefined);
      throw recorded.reason;
    }
    if (!won) {
      const held = await readClaim(backend, key);
      if (!breakClaim && (held === undefined || held.token !== own)) {
        await rm(localFile, { force: true });
        const who = held ? `from ${held.host} by ${held.user} (pid ${held.pid}) since ${held.started}` : "by another publish";
        throw new PublishInProgressError(
          `version '${version}' of '${name}' is being published ${who} in repository '${repository}' (claim '${key}'): wait for it, or, if that publish died, publish with breakClaim (audb publish --break-claim)`,
        );
      }
      await backend.putBytes(key, bytes); // our own interrupted publish, or taken over
    }
    if (await backend.exists(headerKey(name, version))) {
      await new PublishClaim(backend, key, localFile).release();
      throw new VersionExistsError(`version '${version}' of database '${name}' already exists in repository '${repository}' (published meanwhile)`);
    }
    return new PublishClaim(backend, key, localFile);
  }

  /** Removes the claim from the repository and the folder. */
  async release(): Promise<void> {
    await Promise.all([this.backend.remove(this.key).catch(() => undefined), rm(this.localFile, { force: true })]);
  }
}

async function putIfAbsent(backend: Backend, key: string, bytes: Buffer): Promise<boolean> {
  if (backend.putBytesIfAbsent) return backend.putBytesIfAbsent(key, bytes);
  if (await backend.exists(key)) return false;
  await backend.putBytes(key, bytes);
  return Buffer.from(await backend.getBytes(key)).equals(bytes); // the last of two racing writers wins
}

async function readClaim(backend: Backend, key: string): Promise<Claim | undefined> {
  try {
    return JSON.parse(Buffer.from(await backend.getBytes(key)).toString("utf8")) as Claim;
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** The token this folder holds for `key`, if it took that claim. */
async function ownToken(localFile: string, key: string): Promise<string | undefined> {
  try {
    const local = JSON.parse(await readFile(localFile, "utf8")) as { key?: string; token?: string };
    return local.key === key ? local.token : undefined;
  } catch {
    return undefined;
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
