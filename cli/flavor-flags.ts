import type { Command } from "commander";
import { BIT_DEPTHS, FORMATS, SAMPLING_RATES } from "../src/core/flavor.js";
import { channelList, numberIn, oneOf } from "./parse.js";

/** The flavour flags as commander parses them. */
export interface FlavorFlags {
  samplingRate?: number;
  bitDepth?: 16 | 24 | 32;
  channels?: number[];
  mixdown?: boolean;
  format?: "wav" | "flac";
}

/** Adds the flags that choose a flavour (sampling rate, bit depth, channels, mixdown, format). */
export function withFlavorFlags(command: Command): Command {
  return command
    .option("--sampling-rate <hz>", `resample media to this rate (${SAMPLING_RATES.join(", ")})`, numberIn(SAMPLING_RATES))
    .option("--bit-depth <bits>", `convert media to this bit depth (${BIT_DEPTHS.join(", ")})`, numberIn(BIT_DEPTHS))
    .option("--channels <list>", "select channels, comma-separated, negative from the end (e.g. 0 or 0,1)", channelList)
    .option("--mixdown", "mix selected channels down to mono")
    .option("--format <format>", `convert media to ${FORMATS.join(" or ")}`, oneOf(FORMATS));
}
