// Child process for the interrupted-publish test: publishes a folder and, with "announce",
// prints "uploading" once the first upload has finished (so the test can kill it then).
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import "../../backends/index.js";

const [root, host, version, announce] = process.argv.slice(2) as [string, string, string, string | undefined];
const repository = new Repository("data", host, "file-system");
configure({ repositories: [repository] });
let told = false;
await publish(root, version, repository, {
  numWorkers: Number(process.env.AUDB_TEST_WORKERS ?? 1),
  onProgress: (e) => {
    if (announce && !told && e.phase === "upload" && e.done > 0) {
      told = true;
      process.stdout.write("uploading\n");
    }
  },
});
process.stdout.write("published\n");
