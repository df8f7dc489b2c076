import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import * as audb from "../src/index.js";
import { VERSION } from "../src/index.js";

test("VERSION is package.json's version", () => {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  expect(VERSION).toBe(version);
});

test("the backend errors docs/backends.md names can be imported from the package, to catch them", () => {
  for (const name of ["AccessDeniedError", "BucketNotFoundError", "EndpointUnreachableError", "ServerError", "WrongRegionError"] as const) {
    const type = audb[name];
    expect(new type("x"), name).toBeInstanceOf(audb.BackendUnavailableError);
  }
});
