#!/usr/bin/env node
import { nodeTooOld } from "./node-version.js";

// Checked before the rest is loaded: on an older Node, loading it fails with a link error.
const tooOld = nodeTooOld(process.versions.node);
if (tooOld) {
  process.stderr.write(`error: ${tooOld}\n`);
  process.exitCode = 1;
} else {
  const { reportError } = await import("./errors.js");
  const { buildProgram } = await import("./program.js");
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    process.exitCode = reportError(err, (text) => process.stderr.write(text));
  }
}
