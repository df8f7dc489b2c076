import { Command } from "commander";
import { setup } from "../context.js";
import { columns } from "../output.js";

/** `audb available`: every database version in the configured repositories. */
export function availableCommand(): Command {
  return new Command("available")
    .description("list the databases and versions in all configured repositories")
    .option("--only-latest", "only the newest version of each database")
    .action(async (flags: { onlyLatest?: boolean }, command: Command) => {
      const ctx = setup(command);
      const { available } = await import("../../src/api/discovery.js");
      const found = await available({
        onlyLatest: flags.onlyLatest ?? false,
        onSkipped: (repository, error) => ctx.out.note(`audb: skipped repository '${repository.name}': ${error.message}`),
      });
      const rows = found.map((e) => ({
        name: e.name, version: e.version,
        repository: { name: e.repository.name, host: e.repository.host, backend: e.repository.backendKind },
      }));
      ctx.out.result(rows, () => columns(found.map((e) => [e.name, e.version, e.repository.name])));
    });
}
