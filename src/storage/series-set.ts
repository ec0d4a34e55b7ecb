import type { Series, SeriesSet } from "./interface.ts";

/** A SeriesSet over an array of series. */
export class ArraySeriesSet implements SeriesSet {
  readonly #series: readonly Series[];
  readonly #warnings: string[];
  #i: number;

  constructor(series: readonly Series[], warnings: string[] = []) {
    this.#series = series;
    this.#warnings = warnings;
    this.#i = -1;
  }

  next(): boolean {
    this.#i++;
    return this.#i < this.#series.length;
  }

  at(): Series {
    return this.#series[this.#i]!;
  }

  err(): Error | null {
    return null;
  }

  warnings(): string[] {
    return this.#warnings;
  }
}

/** The empty SeriesSet. */
export const emptySeriesSet = (): SeriesSet => new ArraySeriesSet([]);
