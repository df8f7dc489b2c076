/** The oldest Node.js audb-ts runs on: `zlib.crc32` (archives) came with 20.15. */
export const MIN_NODE_VERSION = "20.15.0";

/** Why `version` (e.g. `process.versions.node`) is too old for audb-ts, or undefined when it is not. */
export function nodeTooOld(version: string): string | undefined {
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = MIN_NODE_VERSION.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    if (a !== need[i]) {
      return a > need[i]! ? undefined : `audb needs Node.js >= ${MIN_NODE_VERSION} (zlib.crc32); this is Node.js ${version.replace(/^v?/, "v")}`;
    }
  }
  return undefined;
}
