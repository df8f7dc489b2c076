import { InvalidArgumentError, Option } from "commander";

/** Commander parser for a whole number at least `min`. */
export function integer(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min) throw new InvalidArgumentError(`expected a whole number >= ${min}`);
    return n;
  };
}

/** Commander parser for a comma-separated channel list such as `0,1` or `-1`. */
export function channelList(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.some((p) => !/^-?\d+$/.test(p))) throw new InvalidArgumentError("expected channel numbers separated by commas, e.g. 0,1");
  return parts.map(Number);
}

/** Commander parser accepting one of `choices`. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${choices.join(", ")}`);
    return value as T;
  };
}

/** Commander parser for a whole number out of `choices`. */
export function numberIn<T extends number>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly number[]).includes(Number(value)) || !/^\d+$/.test(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(", ")}`);
    }
    return Number(value) as T;
  };
}

/**
 * Commander collector for `--map COLUMN=FIELD[,FIELD...]` (repeatable): a table column of
 * scheme labels mapped to fields of its labels (or of the misc table they come from).
 */
export function mapEntry(value: string, previous: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const match = /^([^=]+)=(.+)$/.exec(value);
  const column = match?.[1]!.trim();
  if (!match || !column || match[2]!.split(",").some((f) => f.trim() === "")) {
    throw new InvalidArgumentError("expected COLUMN=FIELD or COLUMN=FIELD,FIELD");
  }
  // a column given twice keeps the fields of both
  const fields = [...new Set([...[previous[column] ?? []].flat(), ...match[2]!.split(",").map((f) => f.trim())])];
  return { ...previous, [column]: fields.length === 1 ? fields[0]! : fields };
}

/** The `--timeout` of every command that may wait for another process's lock on a cache folder. */
export function timeoutOption(): Option {
  return new Option("--timeout <seconds>", "give up waiting for another process's lock after this long (whole seconds)").argParser(integer(0));
}
