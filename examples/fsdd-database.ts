/**
 * Build an audformat database for the Free Spoken Digit Dataset (FSDD) from a
 * folder of `{digit}_{speaker}_{index}.wav` recordings (e.g.
 * `test/fixtures/fsdd-mini/recordings`). Used by the examples and the tests.
 *
 * - table `files` (filewise, media `recordings/<file>`): `digit`, `speaker`, `split`
 *   (index 0-4 → test, otherwise train)
 * - misc table `speaker`: `gender`, `accent` (the dataset's published metadata.py)
 */

import { readdirSync } from "node:fs";
import {
  Column,
  Database,
  filewiseIndex,
  Media,
  miscIndex,
  MiscTable,
  Rater,
  Scheme,
  Split,
  Table,
} from "../src/index.js";

/** Speaker metadata as published in FSDD's `metadata.py`. */
export const FSDD_SPEAKERS: Readonly<Record<string, { gender: string; accent: string; language: string }>> = {
  jackson: { gender: "male", accent: "USA/neutral", language: "english" },
  nicolas: { gender: "male", accent: "BEL/French", language: "english" },
  theo: { gender: "male", accent: "USA/neutral", language: "english" },
  yweweler: { gender: "male", accent: "DEU/German", language: "english" },
  george: { gender: "male", accent: "GRC/Greek", language: "english" },
  lucas: { gender: "male", accent: "DEU/German", language: "english" },
};

const FILE_PATTERN = /^(\d)_([a-z]+)_(\d+)\.wav$/;

/** `{digit}_{speaker}_{index}.wav` → its parts, or `undefined` for other names. */
export function parseFsddName(name: string): { digit: number; speaker: string; index: number } | undefined {
  const m = FILE_PATTERN.exec(name);
  if (!m) return undefined;
  return { digit: Number(m[1]), speaker: m[2], index: Number(m[3]) };
}

export function buildFsddDatabase(recordingsDir: string): Database {
  const names = readdirSync(recordingsDir)
    .filter((n) => FILE_PATTERN.test(n))
    .sort();
  const db = new Database("fsdd", {
    source: "https://github.com/Jakobovski/free-spoken-digit-dataset",
    usage: "unrestricted",
    languages: ["english"],
    description: "Free Spoken Digit Dataset: recordings of spoken digits 0-9 in English.",
    author: "Zohar Jackson, César Souza, Jason Flaks, Yuxin Pan, Hereman Nicolas, Adhish Thite",
    license: "CC-BY-SA-4.0",
  });
  db.media.set("microphone", new Media({ type: "audio", format: "wav", samplingRate: 8000 }));
  db.raters.set("gold", new Rater({ type: "ground truth" }));
  db.splits.set("test", new Split({ type: "test", description: "Recordings with index 0-4." }));
  db.splits.set("train", new Split({ type: "train", description: "Recordings with index 5-49." }));
  db.schemes.set("digit", new Scheme({ labels: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], description: "Spoken digit." }));
  db.schemes.set("split", new Scheme({ labels: ["test", "train"] }));
  db.schemes.set("gender", new Scheme({ labels: ["female", "male"] }));
  db.schemes.set("accent", new Scheme({ dtype: "str" }));

  const parsed = names.map((n) => parseFsddName(n)!);
  // speakers metadata.py does not list (jason, added in v1.0.6) get no gender or accent
  const unlisted = [...new Set(parsed.map((p) => p.speaker))].filter((s) => !(s in FSDD_SPEAKERS)).sort();
  const speakerIds = [...Object.keys(FSDD_SPEAKERS), ...unlisted];
  const speaker = new MiscTable(miscIndex([{ name: "speaker", dtype: "str", values: speakerIds }]));
  db.miscTables.set("speaker", speaker);
  speaker.addColumn("gender", new Column({ schemeId: "gender" }), speakerIds.map((s) => FSDD_SPEAKERS[s]?.gender ?? null));
  speaker.addColumn("accent", new Column({ schemeId: "accent" }), speakerIds.map((s) => FSDD_SPEAKERS[s]?.accent ?? null));
  db.schemes.set("speaker", new Scheme({ dtype: "str", labels: "speaker" }));

  const files = new Table(
    filewiseIndex(names.map((n) => `recordings/${n}`)),
    { mediaId: "microphone" },
  );
  db.tables.set("files", files);
  files.addColumn("digit", new Column({ schemeId: "digit", raterId: "gold" }), parsed.map((p) => p.digit));
  files.addColumn("speaker", new Column({ schemeId: "speaker" }), parsed.map((p) => p.speaker));
  files.addColumn("split", new Column({ schemeId: "split" }), parsed.map((p) => (p.index <= 4 ? "test" : "train")));
  return db;
}
