#!/usr/bin/env node
import { CommanderError } from "commander";
import { AudbError } from "../src/errors.js";
import { buildProgram } from "./program.js";

/** Exit codes: 0 ok, 1 user error (bad flags, AudbError), 2 internal error. */
async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    if (err instanceof AudbError) {
      process.stderr.write(`error: ${err.message.replace(/\s*\n\s*/g, " ")}\n`);
      return 1;
    }
    process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 2;
  }
}

// A notice about future AWS SDK releases dropping Node 20 is of no use to CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
process.exitCode = await main(process.argv);
