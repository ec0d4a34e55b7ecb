/** Why decoding TSDB bytes failed. */
export const DecodeErrorReason = {
  /** Fewer bytes than the structure needs (Go's encoding.ErrInvalidSize). */
  InvalidSize: "invalid size",
  /** A CRC-32C did not match (Go's encoding.ErrInvalidChecksum). */
  InvalidChecksum: "invalid checksum",
  /** A varint longer than 10 bytes or wider than 64 bits. */
  InvalidVarint: "invalid varint",
  /** Bytes that are well-formed but mean nothing valid (bad type, impossible field). */
  InvalidData: "invalid data",
} as const;
export type DecodeErrorReason = (typeof DecodeErrorReason)[keyof typeof DecodeErrorReason];

/**
 * Malformed on-disk or WAL bytes. `reason` classifies the failure; the
 * message matches Go's wording where Prometheus has one, with detail
 * appended after a colon.
 */
export class DecodeError extends Error {
  readonly reason: DecodeErrorReason;

  constructor(reason: DecodeErrorReason, detail = "") {
    super(detail === "" ? reason : `${reason}: ${detail}`);
    this.name = "DecodeError";
    this.reason = reason;
  }
}
