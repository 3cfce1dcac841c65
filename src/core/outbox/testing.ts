/**
 * Deterministic time for the outbox's tests and simulations: a clock and timers that move only when told.
 * Not used by the extension itself.
 */

interface Pending {
  readonly handle: number;
  readonly at: number;
  readonly fn: () => void;
}

export class ManualTime {
  private t: number;
  private seq = 0;
  private queue: Pending[] = [];

  constructor(start = Date.now()) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms: number): unknown => {
    const handle = ++this.seq;
    this.queue.push({ handle, at: this.t + Math.max(0, ms || 0), fn });
    this.queue.sort((a, b) => a.at - b.at || a.handle - b.handle);
    return handle;
  };

  clearTimeout = (handle: unknown): void => {
    this.queue = this.queue.filter((p) => p.handle !== handle);
  };

  /** Time of the next timer, if any. */
  nextAt(): number | undefined {
    return this.queue[0]?.at;
  }

  get pendingTimers(): number {
    return this.queue.length;
  }

  /** Moves to the next timer and runs every timer due then. False if there is none. */
  runNext(): boolean {
    const next = this.queue[0];
    if (!next) return false;
    this.advanceTo(next.at);
    return true;
  }

  /** Moves time forward, running the timers that come due, in order. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > target) break;
      this.queue.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = Math.max(this.t, target);
  }
}

/** A small seeded PRNG (mulberry32): the same seed, the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
