import { lstatSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { OptionError } from "./errors.js";

/**
 * `path` if it is a folder or can be made one (the nearest existing folder on the way is
 * a folder), else an {@link OptionError} naming `option` and the file in the way.
 */
export function folderPath(path: string, option: string): string {
  for (let p = path; ; p = dirname(p)) {
    const stats = statOrMissing(p, option);
    if (stats?.isDirectory()) return path;
    if (stats) throw new OptionError(`${option}: '${path}' is not a folder${p === path ? "" : ` ('${p}' is a file)`}`);
    if (isSymbolicLink(p)) {
      throw new OptionError(`${option}: '${path}' is not a folder ('${p}' is a symbolic link to nothing)`);
    }
    if (dirname(p) === p) return path;
  }
}

function statOrMissing(path: string, option: string) {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return undefined; // a file on the way: found further up
    if (code === "ELOOP") throw new OptionError(`${option}: '${path}' is a loop of symbolic links`);
    throw e;
  }
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  } catch {
    return false; // a file on the way (ENOTDIR): not a link
  }
}
