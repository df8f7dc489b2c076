#!/usr/bin/env node
import { Command } from "commander";
import { VERSION } from "../src/index.js";

const program = new Command();
program
  .name("audb")
  .description("Publish, version and load audio datasets in audb's repository layout")
  .version(VERSION);

program.parse();
