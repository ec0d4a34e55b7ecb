/**
 * Go's formatting of the values promtool's tsdb commands print, so our
 * output matches upstream's byte for byte (durations: util's
 * formatGoDuration): time.Time.String() in UTC, alecthomas/units Base2Bytes.String() and
 * text/tabwriter alignment.
 */

const two = (n: number): string => String(n).padStart(2, "0");

/** Go's time.Unix(Math.trunc(ms / 1000), 0).UTC().String(): `2023-11-14 22:13:20 +0000 UTC`. */
export function goTimeUTC(ms: number): string {
  const d = new Date(Math.trunc(ms / 1000) * 1000);
  const y = d.getUTCFullYear();
  const year = y < 0 ? "-" + String(-y).padStart(4, "0") : String(y).padStart(4, "0");
  return `${year}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000 UTC`;
}

const BYTE_UNITS = ["", "K", "M", "G", "T", "P", "E"];

/**
 * alecthomas/units Base2Bytes(n).String(), which promtool prints for
 * `-r`: every non-zero power-of-1024 component, largest first
 * (`6KiB363B`, `1MiB`, `0B`). n is a non-negative integer.
 */
export function base2Bytes(n: number): string {
  const parts: string[] = [];
  let rest = n;
  for (let i = 0; i < BYTE_UNITS.length; i++) {
    const r = rest % 1024;
    if (r !== 0 || (i === 0 && rest === 0)) parts.push(`${r}${BYTE_UNITS[i]}${i === 0 ? "B" : "iB"}`);
    rest = Math.floor(rest / 1024);
    if (rest === 0) break;
  }
  return parts.reverse().join("");
}

/**
 * Lays out rows as Go's text/tabwriter with the given minwidth and padding
 * (tabwidth 0, space padding, no flags): every cell but the last of a row
 * is a column, padded to max(minwidth, widest cell + padding) over the
 * rows; the last cell is printed as is. Rows must have the same number of
 * cells (promtool's tables do). Returns the lines, each ending in "\n".
 */
export function tabwrite(rows: readonly (readonly string[])[], minwidth: number, padding: number): string {
  if (rows.length === 0) return "";
  const cols = rows[0]!.length - 1;
  const widths: number[] = [];
  for (let c = 0; c < cols; c++) {
    let w = minwidth;
    for (const r of rows) w = Math.max(w, [...r[c]!].length + padding);
    widths.push(w);
  }
  let out = "";
  for (const r of rows) {
    for (let c = 0; c < cols; c++) out += r[c]! + " ".repeat(widths[c]! - [...r[c]!].length);
    out += r[cols]! + "\n";
  }
  return out;
}
