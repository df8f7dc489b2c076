/**
 * A team repository on S3 or any S3-compatible store (MinIO, Ceph RGW, Cloudflare R2):
 * publish FSDD to a bucket, then load it from there into a fresh cache.
 *
 *   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
 *     npx tsx examples/s3-repository.ts http://127.0.0.1:9000 my-bucket [fsdd-folder]
 *
 * The host is an endpoint URL (path-style addressing and checksums only where required are
 * used for non-AWS endpoints) or an AWS host such as `s3.eu-central-1.amazonaws.com`. The
 * bucket is the repository name and must exist. Credentials come from the standard AWS
 * chain (environment, profile, SSO, instance role).
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { configure, load, Repository, versions } from "../src/index.js";
import { defaultFsddFolder, publishFsdd } from "./fsdd-publish.js";

/** Publishes FSDD to `bucket` on `host` and loads it back; returns a one-line summary. */
export async function roundTrip(host: string, bucket: string, source: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "audb-s3-"));
  const repository = new Repository(bucket, host, "s3");
  configure({ repositories: [repository], cacheRoot: join(work, "cache"), sharedCacheRoot: join(work, "no-shared") });
  const deps = await publishFsdd(source, repository, join(work, "fsdd"));
  const db = await load("fsdd", { samplingRate: 16000 });
  return `${repository}: versions ${(await versions("fsdd")).join(", ")}; published ${deps.media.length} files, loaded ${db.tables.get("files")!.files.length} at 16 kHz into ${db.root}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [host, bucket, source] = process.argv.slice(2);
  if (!host || !bucket) {
    console.error("usage: npx tsx examples/s3-repository.ts ENDPOINT-OR-HOST BUCKET [fsdd-folder]");
    process.exit(1);
  }
  console.log(await roundTrip(host, bucket, resolve(source ?? defaultFsddFolder())));
}
