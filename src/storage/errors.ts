/** A storage failure (I/O, corruption). Translated to `internal` at the API edge. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
  }
}
