import { Command } from "commander";
import { setup } from "../context.js";

/** `audb versions NAME`: the published versions, oldest first. */
export function versionsCommand(): Command {
  return new Command("versions")
    .description("list the published versions of a database, oldest first")
    .argument("<name>", "database name")
    .action(async (name: string, _flags: object, command: Command) => {
      const ctx = setup(command);
      const { latestVersion, versions } = await import("../../src/api/discovery.js");
      const found = await versions(name);
      if (found.length === 0) await latestVersion(name); // throws, naming the repositories and those that could not be asked
      ctx.out.result(found, found.join("\n"));
    });
}
