import { Command } from "commander";
import { setup } from "../context.js";

/** `audb versions NAME`: the published versions, oldest first. */
export function versionsCommand(): Command {
  return new Command("versions")
    .description("list the published versions of a database, oldest first")
    .argument("<name>", "database name")
    .option("--latest", "only the latest version (an error when there is none)")
    .action(async (name: string, flags: { latest?: boolean }, command: Command) => {
      const ctx = setup(command);
      const { notFoundError, reachableVersions } = await import("../../src/api/resolve.js");
      const { settings } = await import("../../src/api/settings.js");
      const { messageOf } = await import("../../src/errors.js");
      const { versions, unreachable } = await reachableVersions(name);
      if (versions.length === 0) {
        const missing = notFoundError(name, settings().repositories, unreachable);
        if (unreachable.length > 0 || flags.latest) throw missing; // names the repositories it could not ask: perhaps it is there
        ctx.out.note(`audb: ${missing.message}`); // none, as audb.versions says: an empty list
      }
      // as available: a version only an unreachable repository holds would go unnoticed
      for (const { repository, error } of unreachable) ctx.out.note(`audb: skipped repository '${repository.name}': ${messageOf(error)}`);
      if (flags.latest) {
        ctx.out.result(versions.at(-1), versions.at(-1)!);
        return;
      }
      ctx.out.result(versions, versions.join("\n"));
    });
}
