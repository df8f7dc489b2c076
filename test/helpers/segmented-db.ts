// A segmented database of n rows with every awkward value (open ends, nanoseconds, NA,
// quoting), for the format tests and the format benchmark.
import { Column, Database, Scheme, segmentedIndex, Table } from "../../src/format/index.js";

function fillSegmented(db: Database, n: number): Table {
  const files: string[] = [];
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    files.push(`audio/${String(Math.floor(i / 4)).padStart(6, "0")}.wav`);
    starts[i] = (i % 4) * 1.5 + (i % 7) * 1e-9;
    ends[i] = i % 13 === 0 ? NaN : starts[i] + 1.25 + (i % 3) * 1e-9;
  }
  const table = new Table(segmentedIndex(files, starts, ends));
  db.tables.set("segments", table);
  const labels = ["anger", "happiness", "neutral"];
  table.addColumn("emotion", new Column({ schemeId: "emotion" }), files.map((_, i) => (i % 11 === 0 ? null : labels[i % 3])));
  const conf = new Float64Array(n);
  for (let i = 0; i < n; i++) conf[i] = i % 17 === 0 ? NaN : (i % 1000) / 1000;
  table.addColumn("confidence", new Column({ schemeId: "confidence" }), conf);
  table.addColumn("note", new Column({ schemeId: "note" }), files.map((_, i) => (i % 5 === 0 ? `note, "${i}"` : null)));
  table.addColumn("flag", new Column({ schemeId: "flag" }), files.map((_, i) => (i % 9 === 0 ? null : i % 2 === 0)));
  return table;
}

export function segmentedDb(n: number): Database {
  const db = new Database("segments", { source: "x", usage: "research", languages: ["de"] });
  db.schemes.set("emotion", new Scheme({ labels: ["anger", "happiness", "neutral"] }));
  db.schemes.set("confidence", new Scheme({ dtype: "float", minimum: 0, maximum: 1 }));
  db.schemes.set("note", new Scheme({ dtype: "str" }));
  db.schemes.set("flag", new Scheme({ dtype: "bool" }));
  fillSegmented(db, n);
  return db;
}

