import { randomBytes } from "node:crypto";

/** Crockford's base32 alphabet, as ULIDs use it. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/**
 * A new ULID (https://github.com/ulid/spec): 48 bits of ms time then 80
 * random bits, as 26 Crockford base32 characters, so names sort by
 * creation time. `rand` supplies the 10 random bytes (crypto by default).
 */
export function newULID(timeMs: number, rand: (n: number) => Uint8Array = randomBytes): string {
  if (!(timeMs >= 0 && timeMs < 2 ** 48)) throw new RangeError(`ULID time out of range: ${timeMs}`);
  let out = "";
  // 10 characters of time, 5 bits each, most significant first (the first holds 3 bits).
  let t = Math.floor(timeMs);
  const tc: string[] = [];
  for (let i = 0; i < 10; i++) {
    tc.push(ALPHABET[t % 32]!);
    t = Math.floor(t / 32);
  }
  out = tc.reverse().join("");
  // 80 random bits = 16 characters.
  const r = rand(10);
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = ((acc << 8) | r[i]!) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31]!;
    }
  }
  return out;
}

/** Whether s is a well-formed ULID (block directory names are). */
export function isULID(s: string): boolean {
  return ULID_RE.test(s);
}

/** The ms timestamp of a ULID. */
export function ulidTime(s: string): number {
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(s[i]!);
  return t;
}
