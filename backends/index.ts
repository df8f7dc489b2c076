import { statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BackendUnavailableError, registerBackend } from "./backend.js";
import { FileSystemBackend } from "./filesystem.js";
import { registerHttpBackend } from "./http-register.js";
import { registerS3Backend } from "./s3-register.js";

export * from "./backend.js";
export { FileSystemBackend } from "./filesystem.js";
export * from "./remote-errors.js";

function expandHome(p: string): string {
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : p;
}

// Like audbackend's FileSystem: `host` is the folder holding repositories, and a
// repository's root is `host/name`. The host must exist, as a bucket must on S3: a
// mistyped host would otherwise become a new, empty repository on the first publish.
registerBackend("file-system", (host, name) => {
  const folder = expandHome(host);
  const stats = statSync(folder, { throwIfNoEntry: false });
  if (!stats) throw new BackendUnavailableError(`file-system host '${host}' of repository '${name}' does not exist: create the folder first`);
  if (!stats.isDirectory()) throw new BackendUnavailableError(`file-system host '${host}' of repository '${name}' is not a folder`);
  return new FileSystemBackend(path.join(folder, name));
});

// `s3` and `minio` (as in audb); the AWS SDK loads on first use.
registerS3Backend();

// `http` and `https`: read-only repositories served as static files.
registerHttpBackend();
