// Writes an FSDD database folder (header, files table, speaker misc table) around a
// recordings/ folder, as plain audformat text, so publish/load tests do not depend on
// the format module's writer.
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publish } from "../../src/api/publish.js";
import { configure } from "../../src/api/settings.js";
import { Repository } from "../../src/core/repository.js";
import { MINI_FSDD, materialize } from "./fsdd-history.js";

export const FSDD_SPEAKERS: Record<string, { gender: string; accent: string }> = {
  jackson: { gender: "male", accent: "USA/neutral" },
  nicolas: { gender: "male", accent: "BEL/French" },
  theo: { gender: "male", accent: "USA/neutral" },
  yweweler: { gender: "male", accent: "DEU/German" },
  george: { gender: "male", accent: "GRC/Greek" },
  lucas: { gender: "male", accent: "DEU/German" },
};

export const FSDD_HEADER = `name: fsdd
description: Free Spoken Digit Dataset (Zohar Jackson et al.), recordings of spoken digits.
source: https://github.com/Jakobovski/free-spoken-digit-dataset
usage: unrestricted
languages: [eng]
license: CC-BY-SA-4.0
license_url: https://creativecommons.org/licenses/by-sa/4.0/
schemes:
  accent: {dtype: str}
  digit: {dtype: int, minimum: 0, maximum: 9}
  gender: {dtype: str, labels: [female, male]}
  speaker: {dtype: str, labels: speaker}
  split: {dtype: str, labels: [test, train]}
tables:
  files:
    type: filewise
    columns:
      digit: {scheme_id: digit}
      speaker: {scheme_id: speaker}
      split: {scheme_id: split}
misc_tables:
  speaker:
    levels: {speaker: str}
    columns:
      accent: {scheme_id: accent}
      gender: {scheme_id: gender}
`;

/** The FSDD header with two attachments: a file and a folder with a subfolder ({@link writeAttachments}). */
export const FSDD_WITH_ATTACHMENTS = `${FSDD_HEADER}attachments:
  readme: {path: docs/README.txt}
  extra: {path: extra}
`;

/** Writes the attachments {@link FSDD_WITH_ATTACHMENTS} names into `root`. */
export async function writeAttachments(root: string): Promise<void> {
  await mkdir(join(root, "docs"));
  await writeFile(join(root, "docs/README.txt"), "read me\n");
  await mkdir(join(root, "extra/sub"), { recursive: true });
  await writeFile(join(root, "extra/a.txt"), "a\n");
  await writeFile(join(root, "extra/sub/b.txt"), "b\n");
}

/** Writes db.yaml, db.files.csv and db.speaker.csv for the WAVs in `root/recordings`. */
export async function writeFsddDatabase(root: string, header = FSDD_HEADER): Promise<string[]> {
  const files = readdirSync(join(root, "recordings")).filter((f) => f.endsWith(".wav")).sort();
  const rows = files.map((f) => {
    const [digit, speaker, index] = f.replace(/\.wav$/, "").split("_") as [string, string, string];
    return { file: `recordings/${f}`, digit, speaker, split: Number(index) <= 4 ? "test" : "train" };
  });
  const speakers = [...new Set(rows.map((r) => r.speaker))].sort();
  await writeFile(join(root, "db.yaml"), header);
  await writeFile(join(root, "db.files.csv"), ["file,digit,speaker,split", ...rows.map((r) => `${r.file},${r.digit},${r.speaker},${r.split}`)].join("\n") + "\n");
  await writeFile(
    join(root, "db.speaker.csv"),
    ["speaker,accent,gender", ...speakers.map((s) => `${s},${FSDD_SPEAKERS[s]!.accent},${FSDD_SPEAKERS[s]!.gender}`)].join("\n") + "\n",
  );
  return rows.map((r) => r.file);
}

/**
 * The FSDD fixture (v1.0.10 of test/fixtures/fsdd-mini) published as 1.0.0 to a fresh
 * repository of `kind`, with the configuration pointing at it and at a fresh cache.
 */
export async function publishedFsdd(kind = "counting-fs"): Promise<{ repo: Repository; source: string; files: string[]; cacheRoot: string }> {
  const temp = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
  const repo = new Repository("data", await temp("repo-"), kind);
  const source = await temp("fsdd-");
  await materialize(MINI_FSDD, "v1.0.10", source);
  const files = await writeFsddDatabase(source);
  const cacheRoot = await temp("cache-");
  configure({ repositories: [repo], cacheRoot, sharedCacheRoot: join(cacheRoot, "none") });
  await publish(source, "1.0.0", repo);
  return { repo, source, files, cacheRoot };
}
