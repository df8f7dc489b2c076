import { MissingVersionError } from "../core/errors.js";
import { headerKey, listVersions, sortVersions } from "../core/layout.js";
import type { Repository } from "../core/repository.js";
import { settings } from "./settings.js";

/** The first configured repository that holds `name` `version`. */
export async function lookupVersion(name: string, version: string, repositories = settings().repositories): Promise<Repository> {
  for (const repository of repositories) {
    const backend = await repository.open().catch(() => undefined);
    if (backend && (await backend.exists(headerKey(name, version)).catch(() => false))) return repository;
  }
  const known = await versionsIn(name, repositories);
  if (known.length === 0) throw await notFound(name, repositories);
  throw new MissingVersionError(`version '${version}' of '${name}' does not exist; available: ${known.join(", ")}`);
}

/** All versions of `name` across repositories, ascending. */
export async function versionsIn(name: string, repositories = settings().repositories): Promise<string[]> {
  const all = new Set<string>();
  for (const repository of repositories) {
    const backend = await repository.open().catch(() => undefined);
    if (!backend) continue;
    for (const v of await listVersions(backend, name).catch(() => [] as string[])) all.add(v);
  }
  return sortVersions([...all]);
}

/** The newest version of `name`; MissingVersionError when there is none. */
export async function latestVersionIn(name: string, repositories = settings().repositories): Promise<string> {
  const all = await versionsIn(name, repositories);
  const latest = all.at(-1);
  if (!latest) throw await notFound(name, repositories);
  return latest;
}

/** `name` is in none of `repositories`; the message also says which of them could not be opened, and why. */
async function notFound(name: string, repositories: readonly Repository[]): Promise<MissingVersionError> {
  const names = repositories.map((r) => r.name).join(", ") || "none configured";
  const unopened: string[] = [];
  for (const repository of repositories) {
    await repository.open().catch((err: unknown) => unopened.push(`${repository.name}: ${(err as Error).message}`));
  }
  const why = unopened.length > 0 ? `; could not open ${unopened.join("; ")}` : "";
  return new MissingVersionError(`database '${name}' is not in any configured repository (${names})${why}`);
}
