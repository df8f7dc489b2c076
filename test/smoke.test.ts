import { expect, test } from "vitest";
import * as audb from "../src/index.js";
import { VERSION } from "../src/index.js";
test("version", () => { expect(VERSION).toBe("0.1.0"); });

test("the backend errors docs/backends.md names can be imported from the package, to catch them", () => {
  for (const name of ["AccessDeniedError", "BucketNotFoundError", "EndpointUnreachableError", "ServerError", "WrongRegionError"] as const) {
    const type = audb[name];
    expect(new type("x"), name).toBeInstanceOf(audb.BackendUnavailableError);
  }
});
