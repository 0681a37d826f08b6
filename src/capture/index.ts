/**
 * Capture: Salesforce → change batches (initial load, incremental poll, deletes, Id reconciliation,
 * formula refresh, field refresh). See docs/capture.md.
 */
import { initialLoad } from './initial-load.js';
import { poll } from './poll.js';
import { reconcile } from './reconcile.js';
import { refreshFormulas } from './formulas.js';
import { refreshFields } from './field-refresh.js';
import type { CaptureApi } from './types.js';

export const capture: CaptureApi = Object.freeze({
  initialLoad,
  poll,
  reconcile,
  refreshFormulas,
  refreshFields,
});

export type { CaptureApi, CaptureContext, FieldRefreshRequest, InitialLoadPosition } from './types.js';
export { selectFields, selectFormulaFields, type FieldSelection } from './fields.js';
export { normalizeValue, normalizeDatetime, toCapturedRecord } from './values.js';
export { DEFAULT_BATCH_SIZE, DEFAULT_BULK_CHUNK_SIZE } from './settings.js';
