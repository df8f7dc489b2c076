// The functions of semver that audb-ts uses, each from its own module: semver's index loads
// all ~50 of its modules, which costs every CLI command ~15 ms at startup.
export { default as coerce } from "semver/functions/coerce.js";
export { default as compare } from "semver/functions/compare.js";
export { default as lt } from "semver/functions/lt.js";
export { default as lte } from "semver/functions/lte.js";
export { default as valid } from "semver/functions/valid.js";
