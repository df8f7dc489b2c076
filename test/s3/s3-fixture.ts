// Shared by the S3 tests: servers, fresh buckets and backends on them.
import { randomBytes } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { S3Backend, type S3BackendOptions } from "../../backends/s3.js";
import { ensureMoto, startMoto, startS3rver, type S3TestServer } from "../helpers/s3-server.js";

/** Why moto tests cannot run here (local runs without Python only), or null. Throws in CI. */
export const motoSkipReason: string | null = ensureMoto();
if (motoSkipReason) console.warn(`S3 tests on moto SKIPPED (not in CI): ${motoSkipReason}`);

export type ServerKind = "moto" | "s3rver";

export function startServer(kind: ServerKind): Promise<S3TestServer> {
  return kind === "moto" ? startMoto() : startS3rver();
}

/** A raw SDK client for test setup, talking to `server`. */
export function adminClient(server: S3TestServer): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: server.credentials,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Creates a bucket with a unique name and returns the name. */
export async function freshBucket(server: S3TestServer): Promise<string> {
  const name = `audb-${randomBytes(6).toString("hex")}`;
  const client = adminClient(server);
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } finally {
    client.destroy();
  }
  return name;
}

/** A backend on a fresh bucket of `server`. */
export async function freshBackend(
  server: S3TestServer,
  options: S3BackendOptions = {},
): Promise<{ backend: S3Backend; bucket: string; cleanup(): Promise<void> }> {
  const bucket = await freshBucket(server);
  const backend = new S3Backend(server.endpoint, bucket, { credentials: server.credentials, ...options });
  return { backend, bucket, cleanup: () => backend.close() };
}
