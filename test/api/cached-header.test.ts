// The db.yaml a load writes into its flavour folder is audb-python's (audb/core/load.py:
// load the header with audformat, set meta `audb`, save), byte for byte; no value of the
// repository's header changes on the way. Fixtures: test/fixtures/cached-header/README.md.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { headerWithAudbMeta } from "../../src/api/cached-header.js";
import { load } from "../../src/api/load.js";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { flavorId, makeFlavor } from "../../src/core/flavor.js";
import { Repository } from "../../src/core/repository.js";
import { Database } from "../../src/format/database.js";
import { Scheme } from "../../src/format/scheme.js";
import { writeFsddDatabase } from "../helpers/fsdd-db.js";
import { MINI_FSDD, materialize } from "../helpers/fsdd-history.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/cached-header");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const REPOSITORY = fixture("repository-db.yaml");

function cached(text: string, flavor = makeFlavor()): string {
  return headerWithAudbMeta(text, { root: `/cache/hdr/1.0.0/${flavorId(flavor)}`, version: "1.0.0", flavor });
}

describe("header in the cache", () => {
  test("is what audb-python writes, byte for byte: 2**62 + 1, 2**70, 1.0e-07 and strings that look like booleans stay as they are", () => {
    expect(cached(REPOSITORY)).toBe(fixture("audb-python-cache-db.yaml"));
  });

  test("with a flavour too (the flavour's block layout, a one-channel mixdown stored as false)", () => {
    const flavor = makeFlavor({ channels: [0], mixdown: true, samplingRate: 16000, bitDepth: 16, format: "flac" });
    expect(cached(REPOSITORY, flavor)).toBe(fixture("audb-python-cache-flavour-db.yaml"));
  });

  test("a float audformat writes in exponent form stays a float (it was read back as the string '1e-5')", () => {
    const text = "name: db\nsource: ''\nusage: unrestricted\nlanguages: []\nschemes:\n  p: {dtype: float, minimum: 1.0e-05, maximum: 1.0}\nfactor: 2.5e-21\n";
    const out = cached(text);
    expect(out).toContain("  p: {dtype: float, minimum: 1.0e-05, maximum: 1.0}\n");
    const db = Database.fromYaml(out);
    expect(db.schemes.get("p")!.minimum).toBe(1e-5);
    expect(db.meta.factor).toBe(2.5e-21);
    expect(out.indexOf("audb:")).toBeLessThan(out.indexOf("factor:"));
  });

  test("a header not laid out as audformat lays it out is laid out anew, as audb-python does", () => {
    const text = "name: db\nsource: ''\nusage: unrestricted\nlanguages: []\nschemes:\n  g: { dtype: str, labels: [f, m] }\nzeta: 1\naudb:\n  root: /elsewhere\n";
    expect(cached(text)).toBe(
      "name: db\nsource: ''\nusage: unrestricted\nlanguages: []\nschemes:\n  g:\n    dtype: str\n    labels: [f, m]\n" +
        "audb:\n  root: /cache/hdr/1.0.0/d3b62a9b\n  version: 1.0.0\n" +
        "  flavor: {bit_depth: null, channels: null, format: null, mixdown: false, sampling_rate: null}\nzeta: 1\n",
    );
  });

  // A JS number cannot hold 2**62 + 1: such a header keeps its text and gets the block inserted.
  const BIG = "big: 4611686018427387905\n";

  test("with a value the header model would change, an `audb:` block already in the header is replaced, wherever it is", () => {
    const head = "name: db\nsource: ''\nusage: unrestricted\nlanguages: []\n";
    const old = "audb:\n  root: /elsewhere\n  version: 0.1.0\n";
    for (const [before, after] of [["", BIG], [BIG, ""], ["alpha: 1\n", BIG]]) {
      const out = cached(head + before + old + after);
      expect(out).not.toContain("/elsewhere");
      expect(out.match(/^audb:/gm)).toHaveLength(1);
      expect(out.startsWith(head + before + "audb:\n  root: /cache/hdr/1.0.0/")).toBe(true);
      expect(out.endsWith("sampling_rate: null}\n" + after)).toBe(true);
    }
  });

  test("with a value the header model would change, the text stays and the block goes before the first meta key after it; a final newline is added", () => {
    const text = "name: db\nsource: ''\nusage: unrestricted\nlanguages: []\ntables:\n  t: { type: filewise }\nAlpha: 1\nb: 2021-01-02 03:04:05.123456\nc: 2";
    const out = cached(text);
    expect(out.split("\n").filter((l) => /^\S/.test(l)).map((l) => l.split(":")[0])).toEqual(
      ["name", "source", "usage", "languages", "tables", "Alpha", "audb", "b", "c"],
    );
    expect(out).toContain("  t: { type: filewise }\n");
    expect(out).toContain("b: 2021-01-02 03:04:05.123456\n");
    expect(out.endsWith("c: 2\n")).toBe(true);
    // values a double and milliseconds hold exactly go through the model
    for (const exact of ["big: 9007199254740992\n", "big: 1180591620717411303424\n", "when: 2021-01-02 03:04:05.123000\n", "odd: 0b_\n"]) {
      expect(cached(text.replace("b: 2021-01-02 03:04:05.123456\n", exact))).not.toContain("{ type: filewise }");
    }
  });

  test("times with a zone keep their text (PyYAML keeps the zone, the model would make them UTC); the block goes before a final '...'", () => {
    const head = "name: db\nsource: ''\nusage: unrestricted\nlanguages: []\n";
    for (const when of ["2021-01-02T03:04:05+02:00", "2021-01-02 03:04:05Z", "2021-01-02 03:04:05.5 -05"]) {
      expect(cached(`${head}when: ${when}\n`)).toContain(`\nwhen: ${when}\n`);
    }
    expect(cached(`${head}when: 2021-01-02T03:04:05\n`)).toContain("\nwhen: 2021-01-02 03:04:05\n"); // no zone: as PyYAML writes it
    const ended = cached(`${head}aaa: 4611686018427387905\n...\n`);
    expect(ended.endsWith("sampling_rate: null}\n...\n")).toBe(true);
    expect(ended).toContain("aaa: 4611686018427387905\naudb:\n");
  });

  test("audformat's old layout (everything under the database's name) is rewritten as audformat writes it", () => {
    const text = "db:\n  source: ''\n  usage: unrestricted\n  languages: [de]\n  meta_value: 1.0e-05\n";
    const out = cached(text);
    expect(out.startsWith("name: db\nsource: ''\nusage: unrestricted\nlanguages: [de]\naudb:\n")).toBe(true);
    expect(Database.fromYaml(out).meta.meta_value).toBe(1e-5);
  });
});

test("a database whose scheme minimum is 1.0e-05 loads, and loads again from the cache, with that minimum", { timeout: 60_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), "cached-header-"));
  const root = join(work, "db");
  await materialize(MINI_FSDD, "v1.0", root);
  await writeFsddDatabase(root);
  const header = Database.fromYaml(await readFile(join(root, "db.yaml"), "utf8"));
  header.schemes.set("confidence", new Scheme({ dtype: "float", minimum: 1e-5, maximum: 1 }));
  header.meta.tiny = 1e-7;
  await writeFile(join(root, "db.yaml"), header.toYaml());
  expect(await readFile(join(root, "db.yaml"), "utf8")).toContain("minimum: 1.0e-05");
  await mkdir(join(work, "host"));
  const repo = new Repository("repo", join(work, "host"), "file-system");
  configure({ repositories: [repo], cacheRoot: join(work, "cache"), sharedCacheRoot: join(work, "no-shared") });
  await publish(root, "1.0.0", repo);
  for (const round of ["fills the cache", "reads the cache"]) {
    const db = await load("fsdd", { version: "1.0.0", samplingRate: 16000, onlyMetadata: true });
    expect(db.schemes.get("confidence")!.minimum, round).toBe(1e-5);
    expect(db.meta.tiny, round).toBe(1e-7);
  }
});
