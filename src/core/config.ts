import { existsSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { AudbError } from "../errors.js";
import { Repository } from "./repository.js";

/** The configuration file is unreadable or invalid. */
export class ConfigError extends AudbError {}

/** audb's configuration, as read by {@link loadConfig}. */
export interface AudbConfig {
  /** User cache folder (`cache_root`, overridden by `AUDB_CACHE_ROOT`), `~` expanded. */
  cacheRoot: string;
  /** Shared cache folder (`shared_cache_root`, overridden by `AUDB_SHARED_CACHE_ROOT`). */
  sharedCacheRoot: string;
  /** Repositories, searched in this order. */
  repositories: Repository[];
  /** Configuration file that was read, or null when only defaults apply. */
  file: string | null;
}

/** Raw keys of audb.yaml (audb/core/etc/audb.yaml holds the defaults). */
interface RawConfig {
  cache_root?: string;
  shared_cache_root?: string;
  repositories?: Array<{ name: string; host: string; backend: string }>;
}

/** audb's built-in defaults (audb/core/etc/audb.yaml). */
export const DEFAULT_CONFIG = {
  cache_root: "~/audb",
  shared_cache_root: "/data/audb",
  repositories: [{ name: "audb-public", backend: "s3", host: "s3.dualstack.eu-north-1.amazonaws.com" }],
} as const satisfies RawConfig;

/** Expands a leading `~` to the home folder. */
export function expandHome(p: string, home = os.homedir()): string {
  return p === "~" || p.startsWith("~/") ? path.join(home, p.slice(1)) : p;
}

/** Reads and checks one audb.yaml; missing or empty file gives `{}`. */
export function readConfigFile(file: string): RawConfig {
  if (!existsSync(file)) return {};
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(`cannot read audb configuration '${file}': ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError(`audb configuration '${file}' must be a mapping`);
  const raw = doc as Record<string, unknown>;
  const config: RawConfig = {};
  for (const key of ["cache_root", "shared_cache_root"] as const) {
    if (raw[key] !== undefined && raw[key] !== null) config[key] = String(raw[key]);
  }
  if ("repositories" in raw) {
    const repos = raw.repositories;
    if (!Array.isArray(repos) || repos.length === 0) {
      throw new ConfigError(`audb configuration '${file}': 'repositories' must be a non-empty list`);
    }
    config.repositories = repos.map((repo: unknown, i) => {
      if (typeof repo !== "object" || repo === null) {
        throw new ConfigError(`audb configuration '${file}': repository ${i} must be a mapping with name, host and backend`);
      }
      const r = repo as Record<string, unknown>;
      for (const field of ["name", "host", "backend"]) {
        if (r[field] === undefined || r[field] === null) {
          throw new ConfigError(`audb configuration '${file}': repository ${i} is missing a '${field}' entry`);
        }
      }
      return { name: String(r.name), host: String(r.host), backend: String(r.backend) };
    });
  }
  return config;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Configuration file to read instead of the user's. */
  file?: string;
  /** Environment to read (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Home folder for `~` (default `os.homedir()`). */
  home?: string;
}

/**
 * audb's configuration: built-in defaults, overridden key by key by the user file
 * (`options.file`, else `$AUDB_CONFIG`, else `~/.config/audb.yaml`, else the deprecated
 * `~/.audb.yaml`), then cache roots by `AUDB_CACHE_ROOT` / `AUDB_SHARED_CACHE_ROOT`.
 * A user `repositories` list replaces the default one. Paths have `~` expanded;
 * `file-system` repository hosts too.
 */
export function loadConfig(options: LoadConfigOptions = {}): AudbConfig {
  const env = options.env ?? process.env;
  const home = options.home ?? os.homedir();
  let file: string | null = options.file ?? env.AUDB_CONFIG ?? null;
  if (file === null) {
    const user = path.join(home, ".config", "audb.yaml");
    const deprecated = path.join(home, ".audb.yaml");
    file = existsSync(user) ? user : existsSync(deprecated) ? deprecated : null;
  }
  const user = file === null ? {} : readConfigFile(expandHome(file, home));
  const merged = { ...DEFAULT_CONFIG, ...user };
  return {
    cacheRoot: path.resolve(expandHome(env.AUDB_CACHE_ROOT || merged.cache_root, home)),
    sharedCacheRoot: path.resolve(expandHome(env.AUDB_SHARED_CACHE_ROOT || merged.shared_cache_root, home)),
    repositories: merged.repositories.map(
      (r) => new Repository(r.name, r.backend === "file-system" ? expandHome(r.host, home) : r.host, r.backend),
    ),
    file: file === null ? null : expandHome(file, home),
  };
}
