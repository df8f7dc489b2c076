import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";
import { writeFileAtomicallySync } from "../../backends/filesystem.js";
import { MissingKeyError, type Backend } from "../../backends/backend.js";
import { PublishInProgressError, VersionExistsError } from "../core/errors.js";
import { headerKey } from "../core/layout.js";
import { isProcessAlive } from "../core/processes.js";

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
 * success. A claim whose publish died (a kill, a crash) is taken over by a publish run
 * again from the folder that took it (it keeps the token) or from anywhere on the same
 * host (its process is gone); a claim held by a running process on this host never is.
 */
export class PublishClaim {
  private constructor(
    private readonly backend: Backend,
    private readonly key: string,
    private readonly token: string,
    private readonly localFile: string,
    /** True when a publish that died held the version before: what it uploaded may be left. */
    readonly tookOver: boolean,
    /** True when that publish ran from this folder: its temp files may be left here too. */
    readonly tookOverHere = false,
  ) {}

  /**
   * Claims `version` of `name`, or throws {@link PublishInProgressError} naming who holds
   * it (`breakClaim` takes over a claim that is not held by a running process here), or
   * {@link VersionExistsError} when a publish finished it meanwhile.
   */
  static async take(
    backend: Backend, name: string, version: string, dbRoot: string, repository: string, breakClaim = false,
  ): Promise<PublishClaim> {
    const key = claimKey(name, version);
    const localFile = join(dbRoot, LOCAL_CLAIM_FILE);
    const claim: Claim = { token: randomUUID(), host: hostname(), user: userName(), pid: process.pid, started: new Date().toISOString() };
    const bytes = Buffer.from(`${JSON.stringify(claim)}\n`);
    const won = await putIfAbsent(backend, key, bytes);
    let fromHere = false;
    if (!won) {
      const held = await readClaim(backend, key).catch(() => undefined); // gone meanwhile, or unreadable
      const live = held !== undefined && runsHere(held);
      fromHere = held !== undefined && held.token === (await ownToken(localFile, key));
      const takeOver = held !== undefined && !live && (breakClaim || fromHere || held.host === claim.host);
      if (!takeOver) {
        const who = held ? `from ${held.host} by ${held.user} (pid ${held.pid}) since ${held.started}` : "by another publish";
        const remedy = live ? "wait for it (it runs on this machine)" : "wait for it, or, if that publish died, publish with breakClaim (audb publish --break-claim)";
        throw new PublishInProgressError(`version '${version}' of '${name}' is being published ${who} in repository '${repository}' (claim '${key}'): ${remedy}`);
      }
      await backend.putBytes(key, bytes); // a publish that died: ours from this folder, one on this host, or broken
    }
    const taken = new PublishClaim(backend, key, claim.token, localFile, !won, fromHere);
    try {
      writeFileAtomicallySync(localFile, Buffer.from(JSON.stringify({ key, token: claim.token })));
    } catch (error) {
      await backend.remove(key).catch(() => undefined);
      throw error;
    }
    if (await backend.exists(headerKey(name, version))) {
      await taken.release();
      throw new VersionExistsError(`version '${version}' of database '${name}' already exists in repository '${repository}' (published meanwhile)`);
    }
    return taken;
  }

  /**
   * The claim of a publish of `version` from `dbRoot` that got as far as its header and
   * died before it gave back its claim (it is in the repository, with this folder's
   * token) or before it removed its record (the claim is gone), so that a publish run
   * again can finish it; undefined otherwise.
   */
  static async leftHere(backend: Backend, name: string, version: string, dbRoot: string): Promise<PublishClaim | undefined> {
    const key = claimKey(name, version);
    const localFile = join(dbRoot, LOCAL_CLAIM_FILE);
    const token = await ownToken(localFile, key);
    if (token === undefined) return undefined;
    const held = await readClaim(backend, key).catch((error: unknown) => (error instanceof MissingKeyError ? null : undefined));
    if (held === undefined || (held !== null && (held.token !== token || runsHere(held)))) return undefined;
    return new PublishClaim(backend, key, token, localFile, true, true);
  }

  private keepRecord = false;

  /**
   * The header may have gone up although its upload failed (its answer lost): {@link release}
   * keeps the folder's record, so that a publish run again from the folder finishes the
   * version if it exists ({@link leftHere}).
   */
  headerMayBeUp(): void {
    this.keepRecord = true;
  }

  /**
   * Removes the claim, if it is still ours (a broken one is not), and then the folder's
   * record; the record stays when the claim cannot be removed, so that a publish run again
   * from the folder takes it over, or after {@link headerMayBeUp}.
   */
  async release(): Promise<void> {
    try {
      if ((await readClaim(this.backend, this.key)).token === this.token) await this.backend.remove(this.key);
    } catch (error) {
      if (!(error instanceof MissingKeyError)) return;
    }
    if (!this.keepRecord) rmSync(this.localFile, { force: true });
  }
}

/** True when `claim` was taken by a process that still runs on this machine (this one excepted). */
function runsHere(claim: Claim): boolean {
  if (claim.host !== hostname() || claim.pid === process.pid || !Number.isInteger(claim.pid) || claim.pid <= 0) return false;
  return isProcessAlive(claim.pid);
}

async function putIfAbsent(backend: Backend, key: string, bytes: Buffer): Promise<boolean> {
  if (backend.putBytesIfAbsent) return backend.putBytesIfAbsent(key, bytes);
  if (await backend.exists(key)) return false;
  await backend.putBytes(key, bytes);
  return Buffer.from(await backend.getBytes(key)).equals(bytes); // the last of two racing writers wins
}

async function readClaim(backend: Backend, key: string): Promise<Claim> {
  return JSON.parse(Buffer.from(await backend.getBytes(key)).toString("utf8")) as Claim;
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
