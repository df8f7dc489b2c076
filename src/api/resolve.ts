import { BackendUnavailableError, type Backend } from "../../backends/backend.js";
import { MissingVersionError } from "../core/errors.js";
import { headerKey, listVersions, sortVersions } from "../core/layout.js";
import type { Repository } from "../core/repository.js";
import { messageOf, type AudbError } from "../errors.js";
import { settings } from "./settings.js";

/** A repository that could not be asked, and why. */
export interface Unreachable {
  repository: Repository;
  error: unknown;
}

/**
 * The backend of the repository that holds `name` `version`, looked up and opened on its
 * first use: what the cache holds already loads without asking any repository (offline,
 * or with the repository down), as in audb.
 */
export function backendWhenNeeded(name: string, version: string): Backend {
  let opened: Promise<Backend> | undefined;
  const backend = () => (opened ??= lookupVersion(name, version).then((r) => r.open()));
  return {
    kind: "deferred",
    exists: async (key) => (await backend()).exists(key),
    size: async (key) => (await backend()).size(key),
    getFile: async (key, dest) => (await backend()).getFile(key, dest),
    getBytes: async (key) => (await backend()).getBytes(key),
    getStream: async (key, range) => (await backend()).getStream(key, range),
    putFile: async (key, src) => (await backend()).putFile(key, src),
    putBytes: async (key, data) => (await backend()).putBytes(key, data),
    list: async (prefix) => (await backend()).list(prefix),
    remove: async (key) => (await backend()).remove(key),
  };
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
  const listed = await collectVersions(name, reachable);
  const all = [...unreachable, ...listed.unreachable];
  if (listed.versions.length === 0) throw notFoundError(name, repositories, all, version);
  throw new MissingVersionError(`version '${version}' of '${name}' does not exist; available: ${listed.versions.join(", ")}${couldNotAsk(all)}`);
}

/** The versions of `name` in the repositories that can be reached, ascending, and those that cannot be. */
export async function reachableVersions(name: string, repositories: readonly Repository[] = settings().repositories): Promise<{ versions: string[]; unreachable: Unreachable[] }> {
  const unreachable: Unreachable[] = [];
  const reachable: Array<[Repository, Backend]> = [];
  for (const repository of repositories) {
    await repository.open().then(
      (backend) => void reachable.push([repository, backend]),
      (error: unknown) => void unreachable.push({ repository, error }),
    );
  }
  const listed = await collectVersions(name, reachable);
  return { versions: listed.versions, unreachable: [...unreachable, ...listed.unreachable] };
}

/** The newest version of `name`; MissingVersionError when there is none. */
export async function latestVersionIn(name: string, repositories = settings().repositories): Promise<string> {
  const { versions, unreachable } = await reachableVersions(name, repositories);
  const latest = versions.at(-1);
  if (!latest) throw notFoundError(name, repositories, unreachable);
  return latest;
}

async function collectVersions(name: string, reachable: Array<[Repository, Backend]>): Promise<{ versions: string[]; unreachable: Unreachable[] }> {
  const all = new Set<string>();
  const unreachable: Unreachable[] = [];
  for (const [repository, backend] of reachable) {
    try {
      for (const v of await listVersions(backend, name)) all.add(v);
    } catch (error) {
      unreachable.push({ repository, error });
    }
  }
  return { versions: sortVersions([...all]), unreachable };
}

/**
 * `name` (`version`) is in none of `repositories` (MissingVersionError); the message also
 * names those that could not be asked, and why. When none could be asked, a
 * BackendUnavailableError says so instead, naming each repository's host and the cause.
 */
export function notFoundError(name: string, repositories: readonly Repository[], unreachable: Unreachable[], version?: string): AudbError {
  const asked = repositories.filter((r) => !unreachable.some((u) => u.repository === r));
  if (repositories.length > 0 && asked.length === 0) return unreachableError(name, version, unreachable);
  const names = repositories.map((r) => r.name).join(", ") || "none configured";
  return new MissingVersionError(`database '${name}' is not in any configured repository (${names})${couldNotAsk(unreachable)}${indexHint(name, asked)}`);
}

function unreachableError(name: string, version: string | undefined, unreachable: Unreachable[]): BackendUnavailableError {
  const what = version === undefined ? `'${name}'` : `'${name}' ${version}`;
  const why = unreachable.map(({ repository: r, error }) => `${r.name} (${r.backendKind} ${r.host}): ${messageOf(error)}`).join("; ");
  return new BackendUnavailableError(`cannot look up ${what}: no configured repository could be reached; ${why}`, { cause: unreachable[0]?.error });
}

/** HTTP repositories list versions from index files only: without them a served database looks absent (said of those that answered). */
function indexHint(name: string, repositories: readonly Repository[]): string {
  const http = repositories.filter((r) => r.backendKind === "http" || r.backendKind === "https").map((r) => r.name);
  if (http.length === 0) return "";
  return `; HTTP repositories (${http.join(", ")}) list versions from '${name}/versions.json': if the server has no index files, name the version, or write them with \`audb http-index\` (writeHttpIndex) on the repository it mirrors`;
}

function couldNotAsk(unreachable: Unreachable[]): string {
  if (unreachable.length === 0) return "";
  return `; could not ask ${unreachable.map(({ repository, error }) => `${repository.name}: ${messageOf(error)}`).join("; ")}`;
}
