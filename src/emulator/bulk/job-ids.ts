/**
 * Ids for Bulk jobs (`750`), Bulk 1.0 batches (`751`) and Bulk 1.0 query results (`752`), shaped as
 * real record ids (15 characters plus the checksum suffix) so clients that validate ids accept them.
 */
import { base62, to18 } from '../../core/sfid.js';

export type BulkIdPrefix = '750' | '751' | '752';

/** Per emulator instance; ids from a counter sort in creation order. */
export class JobIdMint {
  private counter = 0;

  next(prefix: BulkIdPrefix): string {
    this.counter += 1;
    // 3 (key prefix) + 3 (pod and reserved characters, as in 750Hn0...) + 9 (counter) = 15.
    return to18(`${prefix}Fe0${base62(this.counter, 9)}`);
  }
}
