import { Command } from "commander";
import { MissingVersionError } from "../../src/core/errors.js";
import { setup } from "../context.js";

/** `audb versions NAME`: the published versions, oldest first. */
export function versionsCommand(): Command {
  return new Command("versions")
    .description("list the published versions of a database, oldest first")
    .argument("<name>", "database name")
    .action(async (name: string, _flags: object, command: Command) => {
      const ctx = setup(command);
      const { versions } = await import("../../src/api/discovery.js");
      const found = await versions(name);
      if (found.length === 0) throw new MissingVersionError(`database '${name}' is not in any configured repository`);
      ctx.out.result(found, found.join("\n"));
    });
}
