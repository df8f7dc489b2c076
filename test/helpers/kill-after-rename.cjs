// Preloaded (node --require) into a publish child: SIGKILLs the process right after a file
// whose path ends with $AUDB_KILL_AFTER was renamed into place under $AUDB_KILL_UNDER, as a
// crash, power loss or OOM kill at that instant would.
const fs = require("node:fs");
const suffix = process.env.AUDB_KILL_AFTER;
const under = process.env.AUDB_KILL_UNDER;
const hit = (to) => String(to).endsWith(suffix) && String(to).startsWith(under);
const renameSync = fs.renameSync;
fs.renameSync = function (from, to) {
  const result = renameSync.apply(this, arguments);
  if (hit(to)) process.kill(process.pid, "SIGKILL");
  return result;
};
const rename = fs.promises.rename;
fs.promises.rename = async function (from, to) {
  const result = await rename.apply(this, arguments);
  if (hit(to)) process.kill(process.pid, "SIGKILL");
  return result;
};
require("node:module").syncBuiltinESMExports();
