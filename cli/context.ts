import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { backendKinds } from "../backends/index.js";
import { configure, settings } from "../src/api/settings.js";
import { expandHome } from "../src/core/config.js";
import { Repository } from "../src/core/repository.js";
import { UsageError } from "./errors.js";
import { Output } from "./output.js";

/** Options every command accepts (defined on the program). */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  config?: string;
  repo?: string;
  host?: string;
  backend?: string;
  cacheRoot?: string;
}

/** What a command needs besides its own flags. */
export interface Context {
  out: Output;
  globals: GlobalOptions;
  /** The repository `--repo` names (added by `--host`/`--backend`, else from the configuration). */
  repository(): Repository;
}

/**
 * Applies the global flags to the library's configuration: `--config` replaces the
 * configuration file, `--repo NAME --host HOST --backend KIND` adds a repository searched
 * first, `--repo NAME` alone restricts the search to that configured repository,
 * `--cache-root` sets the cache folder. `keepOthers` keeps the other configured repositories
 * after the selected one (publish checks that a database is not split across them).
 */
export function setup(command: Command, { keepOthers = false }: { keepOthers?: boolean } = {}): Context {
  const globals = command.optsWithGlobals<GlobalOptions>();
  if (globals.config !== undefined) {
    const file = resolve(expandHome(globals.config));
    if (!existsSync(file)) throw new UsageError(`--config: no such file '${globals.config}'`);
    process.env.AUDB_CONFIG = file;
    configure({ reset: true });
  }
  if (globals.cacheRoot !== undefined) configure({ cacheRoot: resolve(expandHome(globals.cacheRoot)) });
  const selected = selectRepository(globals);
  if (selected) {
    const others = settings().repositories.filter((r) => r.name !== selected.name);
    configure({ repositories: globals.host !== undefined || keepOthers ? [selected, ...others] : [selected] });
  }
  return {
    out: new Output(globals.json ?? false, globals.quiet ?? false),
    globals,
    repository: () => {
      if (!selected) throw new UsageError("no repository given: use --repo NAME (configured) or --repo NAME --host HOST --backend KIND");
      return selected;
    },
  };
}

function selectRepository(globals: GlobalOptions): Repository | undefined {
  const { repo, host, backend } = globals;
  if (repo === undefined) {
    if (host !== undefined || backend !== undefined) throw new UsageError(`--${host !== undefined ? "host" : "backend"} needs --repo NAME`);
    return undefined;
  }
  if (host !== undefined || backend !== undefined) {
    if (host === undefined) throw new UsageError("--backend needs --host HOST");
    if (backend === undefined) throw new UsageError(`--host needs --backend KIND (${backendKinds().join(", ")})`);
    return new Repository(repo, backend === "file-system" ? resolve(expandHome(host)) : host, backend);
  }
  const configured = settings().repositories.find((r) => r.name === repo);
  if (!configured) {
    const names = settings().repositories.map((r) => r.name).join(", ") || "none";
    throw new UsageError(`--repo: repository '${repo}' is not configured (configured: ${names}); add --host and --backend to use a new one`);
  }
  return configured;
}
