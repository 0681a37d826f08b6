/**
 * The Bulk API surface of one emulator instance: Bulk 2.0 ingest and query, Bulk 1.0. Job state
 * lives in the returned routes (one store per call), so each emulator has its own jobs.
 */
import { BulkJobs } from '../bulk/job-store.js';
import { bulk1Routes } from './bulk1.js';
import { bulk2IngestRoutes } from './bulk2-ingest.js';
import { bulk2QueryRoutes } from './bulk2-query.js';
import type { Route } from './types.js';

export function createBulkRoutes(): Route[] {
  const jobs = new BulkJobs();
  return [...bulk2IngestRoutes(jobs), ...bulk2QueryRoutes(jobs), ...bulk1Routes(jobs)];
}
