/**
 * Time as a collaborator: core logic takes a Clock (or `now` as an
 * argument) so behaviour is tested on virtual time. Times are ms since the
 * Unix epoch.
 */

/** A cancelable timer handle. */
export interface Timer {
  cancel(): void;
}

/** Reads time and schedules callbacks. */
export interface Clock {
  now(): number;
  /** Calls fn once after ms (>= 0). */
  setTimeout(fn: () => void, ms: number): Timer;
}

/** The real clock: Date.now and node's timers (unref'd so they never keep the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, Math.max(0, ms));
    h.unref();
    return { cancel: () => clearTimeout(h) };
  },
};

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  canceled: boolean;
}

/**
 * A clock that moves only when told. Timers fire in time order (ties in
 * scheduling order) during advance()/advanceTo(), with now() equal to their
 * due time; callbacks may schedule more timers.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq: number;
  #pending: Pending[];

  constructor(startMs = 0) {
    this.#now = startMs;
    this.#seq = 0;
    this.#pending = [];
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const p: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, canceled: false };
    this.#pending.push(p);
    return {
      cancel: () => {
        p.canceled = true;
      },
    };
  }

  /** Number of timers not yet fired or canceled. */
  get pendingTimers(): number {
    return this.#pending.filter((p) => !p.canceled).length;
  }

  /** Moves time forward by ms, firing due timers. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /**
   * Moves time to t, firing due timers in order. Awaiting microtasks between
   * timers is the caller's business: use advanceAsync when callbacks await.
   */
  advanceTo(t: number): void {
    for (;;) {
      const p = this.#next(t);
      if (p === null) break;
      this.#now = p.at;
      p.fn();
    }
    if (t > this.#now) this.#now = t;
  }

  /** Like advanceTo, but lets pending promise callbacks run after each timer. */
  async advanceToAsync(t: number): Promise<void> {
    for (;;) {
      await flushMicrotasks();
      const p = this.#next(t);
      if (p === null) break;
      this.#now = p.at;
      p.fn();
    }
    if (t > this.#now) this.#now = t;
    await flushMicrotasks();
  }

  /** Like advance, but lets pending promise callbacks run after each timer. */
  advanceAsync(ms: number): Promise<void> {
    return this.advanceToAsync(this.#now + ms);
  }

  #next(t: number): Pending | null {
    this.#pending = this.#pending.filter((p) => !p.canceled);
    let best: Pending | null = null;
    for (const p of this.#pending) {
      if (p.at > t) continue;
      if (best === null || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    if (best !== null) this.#pending.splice(this.#pending.indexOf(best), 1);
    return best;
  }
}

/** Resolves after queued promise callbacks (and those they queue, a few levels deep) have run. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
