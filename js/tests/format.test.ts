// The numbers of summaries and comparison tables as the Python SDK prints them (format(value, ".4g"), ...).
import { describe, expect, test } from "vitest";
import { formatG, grouped, milliseconds } from "../ts/format.js";

// [value, ".4g", "+.4g", ".6g"] as CPython writes them.
const PYTHON: Array<[number, string, string, string]> = [
  [0, "0", "+0", "0"],
  [-0, "-0", "-0", "-0"],
  [1, "1", "+1", "1"],
  [-1, "-1", "-1", "-1"],
  [0.05, "0.05", "+0.05", "0.05"],
  [-0.05, "-0.05", "-0.05", "-0.05"],
  [2 / 3, "0.6667", "+0.6667", "0.666667"],
  [-1 / 3, "-0.3333", "-0.3333", "-0.333333"],
  [12345, "1.234e+04", "+1.234e+04", "12345"],
  [1234.5, "1234", "+1234", "1234.5"],
  [0.0001234, "0.0001234", "+0.0001234", "0.0001234"],
  [1.234e-5, "1.234e-05", "+1.234e-05", "1.234e-05"],
  [123456789, "1.235e+08", "+1.235e+08", "1.23457e+08"],
  [1e-10, "1e-10", "+1e-10", "1e-10"],
  [99999.5, "1e+05", "+1e+05", "99999.5"],
  [0.1 + 0.2, "0.3", "+0.3", "0.3"],
  [(1 / 7) * 1000, "142.9", "+142.9", "142.857"],
  [1.0625, "1.062", "+1.062", "1.0625"],
  [-1.0625, "-1.062", "-1.062", "-1.0625"],
  [1.0635, "1.063", "+1.063", "1.0635"],
  [0.03125, "0.03125", "+0.03125", "0.03125"],
];

describe("formatG", () => {
  test.each(PYTHON)("%s", (value, g4, signed, g6) => {
    expect([formatG(value, 4), formatG(value, 4, true), formatG(value, 6)]).toEqual([g4, signed, g6]);
  });

  test("grouped and milliseconds as f'{n:,}' and f'{ms:,.1f} ms'", () => {
    expect([grouped(1234567), grouped(12), milliseconds(1234.56), milliseconds(0.04), milliseconds(null)]).toEqual([
      "1,234,567",
      "12",
      "1,234.6 ms",
      "0.0 ms",
      "-",
    ]);
  });
});
