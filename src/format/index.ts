/**
 * The audformat data model: database header, schemes, raters, splits, media,
 * attachments, tables and misc tables, with `db.yaml` and CSV / parquet I/O.
 */

export * from "./errors.js";
export { Database, IdMap, tableCsvName, tableParquetName, type DatabaseOptions, type LoadOptions, type SaveOptions } from "./database.js";
export type { ValueCheck } from "./labels.js";
export {
  Attachment,
  HeaderBase,
  LICENSE_URLS,
  MEDIA_TYPES,
  Media,
  RATER_TYPES,
  Rater,
  SPLIT_TYPES,
  Split,
  USAGES,
  type AttachmentOptions,
  type HeaderOptions,
  type MediaOptions,
  type MediaType,
  type RaterOptions,
  type RaterType,
  type SplitOptions,
  type SplitType,
  type Usage,
} from "./header-items.js";
export { Scheme, dtypeFromLabels, type LabelKey, type SchemeLabels, type SchemeOptions } from "./scheme.js";
export { Column, type ColumnOptions } from "./column.js";
export { BaseTable, ColumnMap, MiscTable, Table, type TableOptions } from "./table.js";
export { Frame, Series } from "./frame.js";
export {
  Index,
  emptyLike,
  filewiseIndex,
  intersectIndex,
  miscIndex,
  segmentedIndex,
  toSegmentedIndex,
  unionIndex,
  type IndexLevel,
  type IndexType,
} from "./table-index.js";
export {
  BOOL_NA,
  DTYPES,
  emptyValues,
  inferDtype,
  isDtype,
  isNA,
  toValues,
  valueAt,
  valuesToArray,
  type Dtype,
  type StringValues,
  type Values,
} from "./values.js";
export { checkId, checkPortablePath, isPortablePath, portablePathProblem, ID_PATTERN } from "./paths.js";
export { mapLanguage } from "./languages.js";
export { formatTimedelta, parseTimedelta, parseDate, nsToSeconds, secondsToNs } from "./time.js";
export { readTableCsv, writeTableCsv, CSV_NULL_TOKENS, type CsvColumnSpec } from "./table-csv.js";
export { readTableParquet } from "./table-parquet.js";
export { parseYaml, MAX_ALIAS_COUNT } from "./header-yaml.js";
export { dumpPyYaml, PyFloat } from "./yaml-emit.js";
export { validateHeader, validateTableData } from "./validate.js";
export { pyFloatRepr } from "./py.js";
