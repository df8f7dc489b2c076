// Child process for lock tests: acquires the lock, appends "in"/"out" around a critical
// section to a log file, or (with "hold") takes the lock and waits to be killed.
import { appendFile } from "node:fs/promises";
import { FolderLock } from "../../src/core/lock.js";

const [lockPath, mode, log] = process.argv.slice(2) as [string, string, string];
const lock = await FolderLock.acquire(lockPath);
if (mode === "hold") {
  process.stdout.write("locked\n");
  setInterval(() => undefined, 1000);
} else {
  await appendFile(log, `in ${process.pid}\n`);
  await new Promise((r) => setTimeout(r, 30));
  await appendFile(log, `out ${process.pid}\n`);
  await lock.release();
}
