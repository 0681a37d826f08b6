/** Page and batch sizes of a capture, from the context's optional settings. */
import { InvariantError } from '../errors/index.js';
import type { CaptureContext } from './types.js';

/** Salesforce's REST query page size, the most one REST call returns. */
export const REST_PAGE_MAX = 2_000;
export const DEFAULT_BATCH_SIZE = 2_000;
export const DEFAULT_BULK_CHUNK_SIZE = 50_000;
/**
 * Records per batch when reading with Bulk. Each batch is one transaction (stage, history, mirror,
 * cursor, commit), so fewer is cheaper: 5,000 loads a million Accounts ~4% faster than 2,500. Up to
 * three are held at once (two in flight in Postgres, one being read), ~50 MB more at peak than 2,500,
 * and flat over the run now that the CLI bounds V8's heap growth (src/core/heap-growth.ts: peak
 * RSS growth 1,000,000 ÷ 100,000 rows 0.97; without the bound 5,000-row batches measured 1.5–1.9).
 */
export const DEFAULT_BULK_BATCH_SIZE = 5_000;

function positiveInt(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvariantError(`capture ${what} must be a positive integer, got ${value}`);
  }
  return value;
}

export interface CaptureSizes {
  /** Most records or tombstones per yielded batch. */
  readonly batchSize: number;
  /** Most records or tombstones per yielded batch of a Bulk read. */
  readonly bulkBatchSize: number;
  /** LIMIT of one REST keyset page (≤ 2,000). */
  readonly restPage: number;
  /** `Sforce-Query-Options: batchSize` hint (200..2,000). */
  readonly restHint: number;
  /** LIMIT of one Bulk keyset chunk. */
  readonly bulkChunk: number;
}

export function sizesOf(ctx: CaptureContext): CaptureSizes {
  const batchSize = positiveInt(ctx.batchSize, DEFAULT_BATCH_SIZE, 'batchSize');
  const restPage = Math.min(batchSize, REST_PAGE_MAX);
  return {
    batchSize,
    bulkBatchSize: positiveInt(ctx.batchSize, DEFAULT_BULK_BATCH_SIZE, 'batchSize'),
    restPage,
    restHint: Math.max(200, restPage),
    bulkChunk: positiveInt(ctx.bulkChunkSize, DEFAULT_BULK_CHUNK_SIZE, 'bulkChunkSize'),
  };
}
