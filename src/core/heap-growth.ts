import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the heap grow past its live size before the next full collection, in percent.
 *
 * Ferry's long loads allocate and drop a batch's records every fraction of a second while its live
 * heap stays flat (≈ 50–75 MB after a forced collection, from the first batch of a million-row load
 * to the last). V8's default growth factor (up to 4× on a machine with memory to spare) lets the
 * garbage pile up instead, and the heap limit it picks rises with the time the process has run: a
 * million-row load peaked at 1.3× the resident memory of a 100,000-row one although it held nothing
 * more. At 50% the peak stays where the first batches put it (measured: the same peak at 100,000,
 * 200,000 and 300,000 rows) for ~10% more collector time, which is small next to parsing and
 * Postgres. `--optimize-for-size` halves the peak again but doubles the CPU per row.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds the heap's growth for this process (docs/performance.md "Memory"). V8 reads the flag at
 * every collection, so setting it at startup, before the work begins, is enough; `node
 * --heap-growing-percent=N` on the command line overrides it for an experiment.
 */
export function boundHeapGrowth(): void {
  if (process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
