// Go's time.Time and time.Duration as template values, with the methods
// templates call on them (`.Format "2006-01-02"`, `.Unix`, `.Seconds`).

const NS_PER_SECOND = 1_000_000_000n;

const longMonths = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];
const longDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Go's time.Duration: a signed count of nanoseconds (int64). Methods use Go's names. */
export class GoDuration {
  /** Nanoseconds. */
  readonly ns: bigint;
  /** The Go type name, for messages. */
  get goTypeName(): string {
    return "time.Duration";
  }

  constructor(ns: bigint) {
    this.ns = BigInt.asIntN(64, ns);
  }

  /** A duration of `seconds` seconds, truncated toward zero to a nanosecond as Go's time.Duration(v*1e9) does. */
  static fromSeconds(seconds: number): GoDuration {
    const ns = seconds * 1e9;
    if (!Number.isFinite(ns)) return new GoDuration(-(1n << 63n));
    return new GoDuration(BigInt(Math.trunc(ns)));
  }

  /** Go's Duration.String: "1h2m3.5s", "1.5ms", "0s". */
  String(): string {
    let u = this.ns < 0n ? -this.ns : this.ns;
    const neg = this.ns < 0n;
    let out: string;
    if (u < NS_PER_SECOND) {
      if (u === 0n) return "0s";
      let prec: number;
      let unit: string;
      if (u < 1000n) {
        prec = 0;
        unit = "ns";
      } else if (u < 1_000_000n) {
        prec = 3;
        unit = "µs";
      } else {
        prec = 6;
        unit = "ms";
      }
      const [frac, rest] = fmtFrac(u, prec);
      out = `${rest}${frac}${unit}`;
    } else {
      const [frac, rest] = fmtFrac(u, 9);
      u = rest;
      out = `${u % 60n}${frac}s`;
      u /= 60n;
      if (u > 0n) {
        out = `${u % 60n}m${out}`;
        u /= 60n;
        if (u > 0n) out = `${u}h${out}`;
      }
    }
    return neg ? "-" + out : out;
  }

  /** The duration as a floating-point number of seconds. */
  Seconds(): number {
    const sec = this.ns / NS_PER_SECOND;
    const nsec = this.ns % NS_PER_SECOND;
    return Number(sec) + Number(nsec) / 1e9;
  }

  /** The duration as a floating-point number of minutes. */
  Minutes(): number {
    return Number(this.ns / 60_000_000_000n) + Number(this.ns % 60_000_000_000n) / 60e9;
  }

  /** The duration as a floating-point number of hours. */
  Hours(): number {
    return Number(this.ns / 3_600_000_000_000n) + Number(this.ns % 3_600_000_000_000n) / 3600e9;
  }

  /** The duration as an integer millisecond count (Go int64). */
  Milliseconds(): bigint {
    return this.ns / 1_000_000n;
  }

  /** The duration as an integer nanosecond count (Go int64). */
  Nanoseconds(): bigint {
    return this.ns;
  }
}

// fmtFrac formats the fraction of v/10^prec (e.g. ".12345") without trailing
// zeros, and no dot at all for a zero fraction; returns it and v/10^prec.
function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let digits = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return [print ? "." + digits : "", v];
}

/**
 * Go's time.Time at nanosecond precision with a fixed zone (UTC unless
 * given): `{{ $t }}` prints as Go's Time.String, e.g.
 * "2015-06-23 13:19:44.128 +0000 UTC". Methods use Go's names.
 */
export class GoTime {
  /** Nanoseconds since the Unix epoch. */
  readonly unixNano: bigint;
  /** Seconds east of UTC. */
  readonly offsetSeconds: number;
  /** The zone abbreviation ("UTC"), or "" to print the numeric offset. */
  readonly zone: string;
  /** The Go type name, for messages. */
  get goTypeName(): string {
    return "time.Time";
  }

  constructor(unixNano: bigint, offsetSeconds = 0, zone = "UTC") {
    this.unixNano = unixNano;
    this.offsetSeconds = offsetSeconds;
    this.zone = zone;
  }

  /** A UTC time from integer milliseconds since the epoch. */
  static fromUnixMilli(ms: number): GoTime {
    return new GoTime(BigInt(Math.trunc(ms)) * 1_000_000n);
  }

  /** Go's Time.String: Format("2006-01-02 15:04:05.999999999 -0700 MST"). */
  String(): string {
    return this.Format("2006-01-02 15:04:05.999999999 -0700 MST");
  }

  /** Formats with a Go reference layout ("2006-01-02T15:04:05Z07:00"). */
  Format(layout: string): string {
    return formatTime(this, layout);
  }

  /** Seconds since the epoch (Go int64). */
  Unix(): bigint {
    return floorDiv(this.unixNano, NS_PER_SECOND);
  }

  /** Milliseconds since the epoch (Go int64). */
  UnixMilli(): bigint {
    return floorDiv(this.unixNano, 1_000_000n);
  }

  /** Nanoseconds since the epoch (Go int64). */
  UnixNano(): bigint {
    return this.unixNano;
  }

  /** The same instant in UTC. */
  UTC(): GoTime {
    return new GoTime(this.unixNano, 0, "UTC");
  }

  /** The time plus a duration. */
  Add(d: GoDuration): GoTime {
    return new GoTime(this.unixNano + d.ns, this.offsetSeconds, this.zone);
  }

  /** The duration t - u. */
  Sub(u: GoTime): GoDuration {
    return new GoDuration(this.unixNano - u.unixNano);
  }

  /** Whether t is before u. */
  Before(u: GoTime): boolean {
    return this.unixNano < u.unixNano;
  }

  /** Whether t is after u. */
  After(u: GoTime): boolean {
    return this.unixNano > u.unixNano;
  }

  /** Whether t and u are the same instant. */
  Equal(u: GoTime): boolean {
    return this.unixNano === u.unixNano;
  }

  /** Whether t is Go's zero time (January 1, year 1, 00:00:00 UTC). */
  IsZero(): boolean {
    return this.unixNano === ZERO_TIME_UNIX_NANO;
  }
}

// Go's zero Time is year 1; its Unix nanoseconds do not fit int64 but do fit a bigint.
const ZERO_TIME_UNIX_NANO = -62135596800n * NS_PER_SECOND;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

interface Civil {
  year: number;
  month: number; // 1..12
  day: number;
  yday: number; // 1..366
  weekday: number; // 0 = Sunday
  hour: number;
  min: number;
  sec: number;
  nsec: number;
}

function civil(t: GoTime): Civil {
  const local = t.unixNano + BigInt(t.offsetSeconds) * NS_PER_SECOND;
  const sec = floorDiv(local, NS_PER_SECOND);
  const nsec = Number(local - sec * NS_PER_SECOND);
  const d = new Date(Number(sec) * 1000);
  const year = d.getUTCFullYear();
  const start = Date.UTC(year, 0, 1) / 1000;
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    yday: Math.floor((Number(sec) - start) / 86400) + 1,
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    min: d.getUTCMinutes(),
    sec: d.getUTCSeconds(),
    nsec,
  };
}

function pad(n: number, width: number, ch = "0"): string {
  const s = String(Math.abs(n));
  return (n < 0 ? "-" : "") + (s.length >= width ? s : ch.repeat(width - s.length) + s);
}

// Layout elements, longest first where one is a prefix of another.
const layoutTokens = [
  "January", "Jan", "Monday", "Mon", "MST",
  "2006", "002", "__2", "_2", "01", "02", "03", "04", "05", "06", "15", "1", "2", "3", "4", "5",
  "PM", "pm",
  "-07:00:00", "-070000", "-07:00", "-0700", "-07",
  "Z07:00:00", "Z070000", "Z07:00", "Z0700", "Z07",
];

function startsWithLower(s: string): boolean {
  return s.length > 0 && s[0]! >= "a" && s[0]! <= "z";
}

/** Formats t with a Go layout, following time.Time.AppendFormat's recognition of layout elements. */
function formatTime(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = "";
  let i = 0;
  while (i < layout.length) {
    const rest = layout.slice(i);
    // Fractional seconds: [.,] then a run of 0s or 9s not followed by a digit.
    if ((rest[0] === "." || rest[0] === ",") && (rest[1] === "0" || rest[1] === "9")) {
      let j = 1;
      while (j < rest.length && rest[j] === rest[1]) j++;
      if (!(j < rest.length && rest[j]! >= "0" && rest[j]! <= "9")) {
        const n = j - 1;
        const digits = pad(c.nsec, 9).slice(0, n);
        if (rest[1] === "0") out += rest[0] + digits;
        else {
          const trimmed = digits.replace(/0+$/, "");
          if (trimmed !== "") out += rest[0] + trimmed;
        }
        i += j;
        continue;
      }
    }
    let tok = "";
    for (const cand of layoutTokens) {
      if (rest.startsWith(cand)) {
        tok = cand;
        break;
      }
    }
    // "Jan" and "Mon" are words only when not followed by a lower-case letter.
    if ((tok === "Jan" || tok === "Mon") && startsWithLower(rest.slice(3))) tok = "";
    // "_2006" is a literal underscore followed by the year.
    if (tok === "_2" && rest.startsWith("_2006")) tok = "";
    if (tok === "") {
      out += rest[0];
      i++;
      continue;
    }
    out += formatElement(c, t, tok);
    i += tok.length;
  }
  return out;
}

function formatElement(c: Civil, t: GoTime, tok: string): string {
  switch (tok) {
    case "January":
      return longMonths[c.month - 1]!;
    case "Jan":
      return longMonths[c.month - 1]!.slice(0, 3);
    case "Monday":
      return longDays[c.weekday]!;
    case "Mon":
      return longDays[c.weekday]!.slice(0, 3);
    case "MST":
      return t.zone !== "" ? t.zone : numericZone(t.offsetSeconds, false, false, false);
    case "2006":
      return pad(c.year, 4);
    case "06":
      return pad(c.year % 100, 2);
    case "002":
      return pad(c.yday, 3);
    case "__2":
      return pad(c.yday, 3, " ");
    case "_2":
      return pad(c.day, 2, " ");
    case "01":
      return pad(c.month, 2);
    case "1":
      return String(c.month);
    case "02":
      return pad(c.day, 2);
    case "2":
      return String(c.day);
    case "15":
      return pad(c.hour, 2);
    case "03":
    case "3": {
      const h = c.hour % 12 === 0 ? 12 : c.hour % 12;
      return tok === "03" ? pad(h, 2) : String(h);
    }
    case "04":
      return pad(c.min, 2);
    case "4":
      return String(c.min);
    case "05":
      return pad(c.sec, 2);
    case "5":
      return String(c.sec);
    case "PM":
      return c.hour >= 12 ? "PM" : "AM";
    case "pm":
      return c.hour >= 12 ? "pm" : "am";
  }
  const iso = tok.startsWith("Z");
  if (iso && t.offsetSeconds === 0) return "Z";
  const body = tok.slice(1);
  const colon = body.includes(":");
  const seconds = body.replace(/:/g, "").length === 6;
  const minutes = body.replace(/:/g, "").length >= 4;
  return numericZone(t.offsetSeconds, colon, minutes, seconds, true);
}

function numericZone(offset: number, colon: boolean, minutes: boolean, seconds: boolean, explicit = false): string {
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  let s = sign + pad(Math.floor(abs / 3600), 2);
  if (!explicit || minutes) s += (colon ? ":" : "") + pad(Math.floor(abs / 60) % 60, 2);
  if (seconds) s += (colon ? ":" : "") + pad(abs % 60, 2);
  return s;
}
