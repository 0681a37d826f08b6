/**
 * The org's clock: real time shifted by an offset the control surface can move, or frozen.
 * Tests move it to age records past the getDeleted window or the recycle-bin purge.
 */
export class Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  nowMs(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Salesforce stamps records with whole seconds, so rows often share a SystemModstamp. */
  stamp(): string {
    return isoSeconds(this.nowMs());
  }

  set(at: Date, frozen = false): void {
    if (frozen) {
      this.frozenAt = at.getTime();
    } else {
      this.frozenAt = null;
      this.offsetMs = at.getTime() - Date.now();
    }
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }

  save(): { offsetMs: number; frozenAt: number | null } {
    return { offsetMs: this.offsetMs, frozenAt: this.frozenAt };
  }

  load(state: { offsetMs: number; frozenAt: number | null }): void {
    this.offsetMs = state.offsetMs;
    this.frozenAt = state.frozenAt;
  }
}

/** `YYYY-MM-DDTHH:mm:ss.000Z`, the emulator's canonical datetime. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}
