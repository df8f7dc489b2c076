// Registers the S3 backend without loading the AWS SDK: the SDK is imported on first use.
import { registerBackend } from "./backend.js";

/** Registers kinds `s3` and `minio` (alias, as in audbackend); the SDK loads lazily. */
export function registerS3Backend(): void {
  for (const kind of ["s3", "minio"]) {
    registerBackend(kind, async (host, name) => {
      const { S3Backend } = await import("./s3.js");
      return new S3Backend(host, name, { kind });
    });
  }
}
