/**
 * Small helpers that reproduce Python's formatting and ordering, so files we
 * write match the ones audformat (Python) writes.
 */

/**
 * Python's `repr(float)`: shortest round-trip digits, fixed notation for
 * 1e-4 <= |x| < 1e16, otherwise `1.5e-05` / `1e+16`. Always has a `.` or an
 * exponent (`1.0`, not `1`). `nan`, `inf`, `-inf` as Python prints them.
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e16) {
    // JS and Python print the same shortest digits here, both without exponent
    const s = String(x);
    return s.includes(".") ? s : s + ".0";
  }
  const sign = x < 0 ? "-" : "";
  const exp = Math.abs(x).toExponential(); // shortest digits, e.g. "1.5e-5"
  const eAt = exp.indexOf("e");
  const mantissa = exp.slice(0, eAt);
  const e = Number(exp.slice(eAt + 1));
  const digits = mantissa.replace(".", "");
  const decpt = e + 1; // value = 0.<digits> * 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const es = Math.abs(e) < 10 ? `0${Math.abs(e)}` : String(Math.abs(e));
  return `${sign}${m}e${e < 0 ? "-" : "+"}${es}`;
}

/** How PyYAML writes a float: `repr` lower-cased, `.0` added before a bare exponent, `.nan`/`.inf`. */
export function pyYamlFloat(x: number): string {
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  let s = pyFloatRepr(x);
  if (!s.includes(".") && s.includes("e")) s = s.replace("e", ".0e");
  return s;
}

/** Compare strings by Unicode code point, as Python sorts `str`. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      // surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after 0xE000-0xFFFF
      const sa = ca >= 0xd800 && ca <= 0xdfff;
      const sb = cb >= 0xd800 && cb <= 0xdfff;
      if (sa !== sb) return sa ? 1 : -1;
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/** Sort keys as Python's `sorted()` would (numbers before strings is not Python, but stable). */
export function comparePyKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return compareCodePoints(a, b);
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return compareCodePoints(String(a), String(b));
}
