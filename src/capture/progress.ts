/** Progress lines for long reads: records so far and rate, at most every few seconds, plus a summary. */
import type { Logger } from '../log/index.js';

const EVERY_MS = 10_000;

export class Progress {
  readonly #logger: Logger;
  readonly #what: string;
  readonly #started = Date.now();
  #lastLog = Date.now();
  #records = 0;
  #tombstones = 0;

  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  add(records: number, tombstones: number): void {
    this.#records += records;
    this.#tombstones += tombstones;
    const now = Date.now();
    if (now - this.#lastLog >= EVERY_MS) {
      this.#lastLog = now;
      this.#logger.info(this.#fields(now), `${this.#what}: in progress`);
    }
  }

  done(extra: Record<string, unknown> = {}): void {
    this.#logger.info({ ...this.#fields(Date.now()), ...extra }, `${this.#what}: done`);
  }

  #fields(now: number): Record<string, unknown> {
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    return {
      records: this.#records,
      tombstones: this.#tombstones,
      seconds: Math.round(seconds * 10) / 10,
      recordsPerSecond: Math.round((this.#records + this.#tombstones) / seconds),
    };
  }
}
