import { Command } from "commander";
import { setup } from "../context.js";

/** `audb dependencies NAME`: the dependency table of a version, as audb writes it (`db.csv`). */
export function dependenciesCommand(): Command {
  return new Command("dependencies")
    .description("print the dependency table of a version (CSV as audb writes it, or rows with --json)")
    .argument("<name>", "database name")
    .option("--version <version>", "version (default: latest)")
    .action(async (name: string, flags: { version?: string }, command: Command) => {
      const ctx = setup(command);
      const { dependencies } = await import("../../src/api/discovery.js");
      const { dependenciesToCsv } = await import("../../src/core/dependencies-csv.js");
      const deps = await dependencies(name, { version: flags.version });
      ctx.out.result([...deps.rows()], () => dependenciesToCsv(deps));
    });
}
