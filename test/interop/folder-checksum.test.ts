// Published with `checksum: "md5"`, attachment checksums must be audb-python's, or
// audb-python re-uploads unchanged attachments when it publishes on top of our version.
// audeer.md5(folder): md5 over the files below the folder, sorted by relative path,
// each contributing utf8(relpath) then its bytes (docs/interop.md §2, verified).
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { SYNTHETIC_ARCHIVES, writeSyntheticDatabase } from "./synthetic-db.js";

describe("attachment checksums with md5 are audb-python's", () => {
  async function published() {
    const work = await mkdtemp(join(tmpdir(), "interop-attach-"));
    await mkdir(join(work, "host"));
    const repo = new Repository("repo", join(work, "host"), "file-system");
    configure({ repositories: [repo], cacheRoot: join(work, "cache"), sharedCacheRoot: join(work, "no-shared") });
    await writeSyntheticDatabase(join(work, "db"));
    return publish(join(work, "db"), "1.0.0", repo, { checksum: "md5", archives: SYNTHETIC_ARCHIVES });
  }

  test("file attachment: md5 of the file", async () => {
    expect((await published()).checksum("docs/readme.txt")).toBe("2879eb86a36f79d4d50f5fbdf3557f3c");
  });

  // audeer.md5(folder) = md5("sub/y.txt" + "y\n" + "x.txt" + "x\n"); found by this suite
  // (our md5 was over "<relpath>:<md5>" lines), fixed in bfeb1f0
  test("folder attachment: audeer.md5(folder)", async () => {
    expect((await published()).checksum("folder")).toBe("540b1406b8e2a658c66d76b90c4928a3");
  });
});
