// Child process for concurrency tests: loads a version into a cache and prints the folder.
// argv: repositoryHost cacheRoot version [announce]  — with "announce" it prints "downloading"
// at the first download event (so a test can kill it mid-load).
import { loadToCache } from "../../src/api/load-cache.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import "../../backends/index.js";

const [host, cacheRoot, version, announce] = process.argv.slice(2) as [string, string, string, string | undefined];
configure({ repositories: [new Repository("data", host, "file-system")], cacheRoot, sharedCacheRoot: `${cacheRoot}/none` });
let told = false;
const loaded = await loadToCache("fsdd", {
  version,
  numWorkers: announce ? 1 : 2,
  onProgress: (e) => {
    if (announce && !told && e.phase === "download" && e.done > 0) {
      told = true;
      process.stdout.write("downloading\n");
    }
  },
});
process.stdout.write(`folder ${loaded.folder}\n`);
