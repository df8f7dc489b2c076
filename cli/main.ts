#!/usr/bin/env node
import { reportError } from "./errors.js";
import { buildProgram } from "./program.js";

// A notice about future AWS SDK releases dropping Node 20 is of no use to CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportError(err, (text) => process.stderr.write(text));
}
