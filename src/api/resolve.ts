import type { Backend } from "../../backends/backend.js";
import { MissingVersionError } from "../core/errors.js";
import { headerKey, listVersions, sortVersions } from "../core/layout.js";
import type { Repository } from "../core/repository.js";
import { settings } from "./settings.js";

/** A repository that could not be asked, and why. */
interface Unreachable {
  repository: Repository;
  error: unknown;
}

/**
 * The first configured repository that holds `name` `version`. Repositories that cannot
 * be reached are skipped, as audb does; when none holds the version, the error names them.
 */
export async function lookupVersion(name: string, version: string, repositories = settings().repositories): Promise<Repository> {
  const unreachable: Unreachable[] = [];
  const reachable: Array<[Repository, Backend]> = [];
  for (const repository of repositories) {
    try {
      const backend = await repository.open();
      if (await backend.exists(headerKey(name, version))) return repository;
      reachable.push([repository, backend]);
    } catch (error) {
      unreachable.push({ repository, error });
    }
  }
  const known = await collectVersions(name, reachable, unreachable);
  if (known.length === 0) throw notFound(name, repositories, unreachable);
  throw new MissingVersionError(`version '${version}' of '${name}' does not exist; available: ${known.join(", ")}`);
}

/** All versions of `name` across the repositories that can be reached, ascending. */
export async function versionsIn(name: string, repositories = settings().repositories): Promise<string[]> {
  return (await reachableVersions(name, repositories)).versions;
}

/** The versions of `name` in the repositories that can be reached, and those that cannot. */
export async function reachableVersions(name: string, repositories: readonly Repository[]): Promise<{ versions: string[]; unreachable: Unreachable[] }> {
  const unreachable: Unreachable[] = [];
  const reachable: Array<[Repository, Backend]> = [];
  for (const repository of repositories) {
    await repository.open().then(
      (backend) => void reachable.push([repository, backend]),
      (error: unknown) => void unreachable.push({ repository, error }),
    );
  }
  return { versions: await collectVersions(name, reachable, unreachable), unreachable };
}

/** The newest version of `name`; MissingVersionError when there is none. */
export async function latestVersionIn(name: string, repositories = settings().repositories): Promise<string> {
  const { versions, unreachable } = await reachableVersions(name, repositories);
  const latest = versions.at(-1);
  if (!latest) throw notFound(name, repositories, unreachable);
  return latest;
}

async function collectVersions(name: string, reachable: Array<[Repository, Backend]>, unreachable: Unreachable[]): Promise<string[]> {
  const all = new Set<string>();
  for (const [repository, backend] of reachable) {
    try {
      for (const v of await listVersions(backend, name)) all.add(v);
    } catch (error) {
      unreachable.push({ repository, error });
    }
  }
  return sortVersions([...all]);
}

/** `name` is in none of `repositories`; the message also names those that could not be asked, and why. */
function notFound(name: string, repositories: readonly Repository[], unreachable: Unreachable[]): MissingVersionError {
  const names = repositories.map((r) => r.name).join(", ") || "none configured";
  const why = unreachable.map(({ repository, error }) => `${repository.name}: ${(error as Error).message}`);
  return new MissingVersionError(
    `database '${name}' is not in any configured repository (${names})${why.length > 0 ? `; could not ask ${why.join("; ")}` : ""}`,
  );
}
