import * as os from "node:os";
import * as path from "node:path";
import { registerBackend } from "./backend.js";
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
// repository's root is `host/name`.
registerBackend("file-system", (host, name) => new FileSystemBackend(path.join(expandHome(host), name)));

// `s3` and `minio` (as in audb); the AWS SDK loads on first use.
registerS3Backend();

// `http` and `https`: read-only repositories served as static files.
registerHttpBackend();
