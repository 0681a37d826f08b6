/**
 * The Bulk jobs of one emulator instance, by kind. Ids are looked up in their 18-character form, so a
 * client may also use the 15-character one.
 */
import { normalizeId } from '../../core/sfid.js';
import type { Bulk1Job } from './bulk1-job.js';
import { notFound } from './bulk-error.js';
import type { IngestJob } from './ingest-job.js';
import { JobIdMint } from './job-ids.js';
import type { QueryJob } from './query-job.js';

export class JobTable<T> {
  private readonly jobs = new Map<string, T>();

  add(id: string, job: T): void {
    this.jobs.set(id, job);
  }

  /** The job, or undefined. */
  find(id: string): T | undefined {
    return this.jobs.get(normalizeId(id) ?? id);
  }

  /** The job, or a 404 NOT_FOUND BulkError. */
  get(id: string): T {
    const job = this.find(id);
    if (job === undefined) throw notFound();
    return job;
  }

  delete(id: string): void {
    this.jobs.delete(normalizeId(id) ?? id);
  }

  values(): T[] {
    return [...this.jobs.values()];
  }
}

export class BulkJobs {
  readonly ids = new JobIdMint();
  readonly ingest = new JobTable<IngestJob>();
  readonly query = new JobTable<QueryJob>();
  /** Bulk 1.0 jobs. */
  readonly classic = new JobTable<Bulk1Job>();
}
