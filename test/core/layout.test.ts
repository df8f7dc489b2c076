import { describe, expect, test } from "vitest";
import { sortVersions } from "../../src/core/layout.js";

describe("sortVersions (audeer.sort_versions)", () => {
  test("numbers compare as numbers, a leading v is ignored", () => {
    expect(sortVersions(["1.10.0", "1.2.0", "v1.0.0", "1.0.10", "1.0.5"])).toEqual(["v1.0.0", "1.0.5", "1.0.10", "1.2.0", "1.10.0"]);
  });

  test("a suffix sorts after its base, as audb's LooseVersion (not as a semver pre-release)", () => {
    expect(sortVersions(["2.0.0-1", "2.0.0", "1.0.0"])).toEqual(["1.0.0", "2.0.0", "2.0.0-1"]);
    // audeer's docstring example
    expect(sortVersions(["2.0.0", "2.0.1", "v1.0.0", "v2.0.0-1-gdf29c4a"])).toEqual(["v1.0.0", "2.0.0", "v2.0.0-1-gdf29c4a", "2.0.1"]);
  });

  test("numbers beyond 2^53 compare exactly, as Python's integers", () => {
    expect(sortVersions(["100000000000000000.0.0", "99999999999999999.0.0"])).toEqual(["99999999999999999.0.0", "100000000000000000.0.0"]);
    expect(sortVersions(["9007199254740993.0.0", "9007199254740992.0.0"])).toEqual(["9007199254740992.0.0", "9007199254740993.0.0"]);
  });
});
