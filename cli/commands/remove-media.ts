import { Command } from "commander";
import { setup } from "../context.js";

/** `audb remove-media NAME FILE...`: removes media from every version, as audb's `remove_media`. */
export function removeMediaCommand(): Command {
  return new Command("remove-media")
    .description("remove media files from every version of a database in every configured repository (rows stay, marked removed)")
    .argument("<name>", "database name")
    .argument("<files...>", "media files, as paths relative to the database root")
    .action(async (name: string, files: string[], _flags: object, command: Command) => {
      const ctx = setup(command);
      const { removeMedia } = await import("../../src/api/remove-media.js");
      const { unreachable } = await removeMedia(name, files);
      for (const u of unreachable) ctx.out.note(`audb: could not reach repository '${u.repository}', not changed: ${u.reason}`);
      ctx.out.result({ name, removed: files, unreachable: unreachable.map((u) => u.repository) }, `removed ${files.length} media file${files.length === 1 ? "" : "s"} from ${name}`);
    });
}
