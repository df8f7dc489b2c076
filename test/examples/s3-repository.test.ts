import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { S3TestServer } from "../helpers/s3-server.js";
import { freshBucket, motoSkipReason, startServer } from "../s3/s3-fixture.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
let server: S3TestServer | undefined;

beforeAll(async () => {
  if (!motoSkipReason) server = await startServer("moto");
}, 120_000);
afterAll(async () => server?.stop());

test.skipIf(motoSkipReason !== null)("s3-repository.ts publishes to and loads from a bucket on a local S3 server", { timeout: 180_000 }, async () => {
  const bucket = await freshBucket(server!);
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "examples/s3-repository.ts", server!.endpoint, bucket, join(root, "test/fixtures/fsdd-mini")],
    { cwd: root, env: { ...process.env, AWS_ACCESS_KEY_ID: server!.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server!.credentials.secretAccessKey, AWS_REGION: "us-east-1" } },
  );
  expect(stdout).toContain(`Repository('${bucket}', '${server!.endpoint}', 's3'): versions 1.0.0; published 36 files, loaded 36 at 16 kHz`);
});
