// QA 22 D12: a publish killed during a multipart upload left the incomplete upload on the
// store, also after the re-run that took over its claim and removed what it had uploaded.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, UploadPartCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { registerBackend } from "../../backends/backend.js";
import { S3Backend } from "../../backends/s3.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";
import type { S3TestServer } from "../helpers/s3-server.js";
import { claimKey } from "../../src/api/publish-claim.js";
import { publish } from "../../src/api/publish.js";
import { Repository } from "../../src/core/repository.js";
import { adminClient, freshBackend, freshBucket, motoSkipReason, startServer } from "./s3-fixture.js";

async function openUploads(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (out.Uploads ?? []).map((u) => u.Key!).sort();
}

/** What a publish killed mid-upload leaves: a multipart upload with one part, never completed. */
async function leaveUpload(client: S3Client, bucket: string, key: string): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }));
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const proc = spawn("true");
  await new Promise((resolve) => proc.once("exit", resolve));
  return proc.pid!;
}

describe.skipIf(motoSkipReason !== null)("a publish taking over a dead claim on S3 (moto)", () => {
  let server: S3TestServer;
  let client: S3Client;
  beforeAll(async () => {
    server = await startServer("moto");
    client = adminClient(server);
    const credentials = server.credentials;
    registerBackend("s3-abandoned-uploads", (host, bucket) => new S3Backend(host, bucket, { credentials }));
  });
  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  test("aborts the dead publish's incomplete multipart uploads under the version's folders, and no others", { timeout: 120_000 }, async () => {
    const bucket = await freshBucket(server);
    const repo = new Repository(bucket, server.endpoint, "s3-abandoned-uploads");
    const backend = await repo.open();
    const dead = { token: "t-dead", host: hostname(), user: "me", pid: await deadPid(), started: "2026-12-07T10:00:00.000Z" };
    await backend.putBytes(claimKey("fsdd", "1.0.0"), Buffer.from(JSON.stringify(dead)));
    const ours = ["fsdd/media/1.0.0/f0a1b2c3-0000-0000-0000-000000000000.zip", "fsdd/meta/1.0.0/files.zip", "fsdd/attachment/1.0.0/readme.zip"];
    const others = ["fsdd/media/0.9.0/f0a1b2c3-0000-0000-0000-000000000000.zip", "fsdd/media/1.0.01/x.zip", "other/media/1.0.0/x.zip"];
    for (const key of [...ours, ...others]) await leaveUpload(client, bucket, key);

    const source = await mkdtemp(join(tmpdir(), "fsdd-"));
    await materialize(MINI_FSDD, "v1.0.10", source);
    await writeFsddDatabase(source);
    await publish(source, "1.0.0", repo);

    expect(await backend.exists("fsdd/1.0.0/db.yaml")).toBe(true);
    expect(await openUploads(client, bucket)).toEqual([...others].sort());
  });

  test("abortUploads lists page by page and counts what it aborted", async () => {
    const { backend, bucket, cleanup } = await freshBackend(server);
    try {
      const keys = Array.from({ length: 1005 }, (_, i) => `db/media/2.0.0/${String(i).padStart(4, "0")}.zip`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((key) => client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))));
      }
      expect(await backend.abortUploads("db/media/2.0.0")).toBe(1005);
      expect(await openUploads(client, bucket)).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});

describe("abortUploads on a store without ListMultipartUploads (s3rver answers NotImplemented)", () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startServer("s3rver");
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("counts none and does not fail", async () => {
    const { backend, cleanup } = await freshBackend(server);
    try {
      expect(await backend.abortUploads("db/media/1.0.0")).toBe(0);
    } finally {
      await cleanup();
    }
  });
});
