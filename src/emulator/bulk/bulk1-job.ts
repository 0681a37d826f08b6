/**
 * A Bulk 1.0 job: Open (batches may be added, and run as soon as they are) → Closed, or Aborted
 * (queued batches become NotProcessed). Batches run one after another in the background; their
 * counters roll up into the job's `jobInfo`.
 */
import type { OrgApi } from '../org/types.js';
import { Bulk1Batch, type BatchTarget, type Bulk1Operation } from './bulk1-batch.js';
import type { Bulk1ContentType } from './bulk1-records.js';
import type { Bulk1Format, WireFields } from './bulk1-wire.js';
import { BulkError } from './bulk-error.js';
import { JOB_START_DELAY_MS, runSoon } from './scheduling.js';

export type Bulk1JobState = 'Open' | 'Closed' | 'Aborted' | 'Failed';

export interface Bulk1JobSettings extends BatchTarget {
  readonly id: string;
  readonly operation: Bulk1Operation;
  readonly assignmentRuleId: string | null;
  readonly concurrencyMode: 'Parallel' | 'Serial';
  readonly contentType: Bulk1ContentType;
  /** As in the request path: `62.0`. */
  readonly apiVersion: string;
  readonly createdById: string;
}

export class Bulk1Job {
  readonly createdDate: Date;
  private modstamp: Date;
  private current: Bulk1JobState = 'Open';
  private readonly batchList: Bulk1Batch[] = [];
  private running = false;

  constructor(
    readonly settings: Bulk1JobSettings,
    private readonly org: OrgApi,
    private readonly mintResultId: () => string,
  ) {
    this.createdDate = org.now();
    this.modstamp = this.createdDate;
  }

  get id(): string {
    return this.settings.id;
  }

  get state(): Bulk1JobState {
    return this.current;
  }

  /** Responses of a JSON job are JSON; CSV and XML jobs answer in XML. */
  get format(): Bulk1Format {
    return this.settings.contentType === 'JSON' ? 'json' : 'xml';
  }

  get batches(): readonly Bulk1Batch[] {
    return this.batchList;
  }

  batch(batchId: string): Bulk1Batch {
    const found = this.batchList.find((b) => b.id === batchId || b.id.slice(0, 15) === batchId);
    if (found === undefined) throw new BulkError(400, 'InvalidBatch', `Invalid batch id: ${batchId}`);
    return found;
  }

  addBatch(id: string, data: Buffer): Bulk1Batch {
    if (this.current !== 'Open') {
      throw new BulkError(
        400,
        'InvalidJobState',
        `Job ${this.id} is ${this.current}: batches can only be added to an Open job`,
      );
    }
    const batch = new Bulk1Batch(id, this.id, data, this.org);
    this.batchList.push(batch);
    this.touch();
    this.runQueued();
    return batch;
  }

  close(): void {
    if (this.current === 'Closed') return;
    if (this.current !== 'Open') {
      throw new BulkError(400, 'InvalidJobState', `Job ${this.id} is ${this.current} and cannot be closed`);
    }
    this.current = 'Closed';
    this.touch();
  }

  abort(): void {
    if (this.current === 'Aborted') return;
    if (this.current !== 'Open' && this.current !== 'Closed') {
      throw new BulkError(400, 'InvalidJobState', `Job ${this.id} is ${this.current} and cannot be aborted`);
    }
    this.current = 'Aborted';
    for (const batch of this.batchList) batch.skip();
    this.touch();
  }

  info(): WireFields {
    const count = (state: string): number => this.batchList.filter((b) => b.state === state).length;
    const processed = this.batchList.reduce((n, b) => n + b.recordsProcessed, 0);
    const failed = this.batchList.reduce((n, b) => n + b.recordsFailed, 0);
    const time = this.batchList.reduce((n, b) => n + b.processingTime, 0);
    const s = this.settings;
    return [
      ['id', s.id],
      ['operation', s.operation],
      ['object', s.object],
      ['createdById', s.createdById],
      ['createdDate', this.createdDate],
      ['systemModstamp', this.modstamp],
      ['state', this.current],
      ['externalIdFieldName', s.externalIdFieldName],
      ['assignmentRuleId', s.assignmentRuleId],
      ['concurrencyMode', s.concurrencyMode],
      ['contentType', s.contentType],
      ['numberBatchesQueued', count('Queued')],
      ['numberBatchesInProgress', count('InProgress')],
      ['numberBatchesCompleted', count('Completed')],
      ['numberBatchesFailed', count('Failed')],
      ['numberBatchesTotal', this.batchList.length],
      ['numberRecordsProcessed', processed],
      ['numberRetries', 0],
      ['apiVersion', s.apiVersion],
      ['numberRecordsFailed', failed],
      ['totalProcessingTime', time],
      ['apiActiveProcessingTime', time],
      ['apexProcessingTime', 0],
    ];
  }

  /** Runs queued batches one at a time, shortly after they arrive. */
  private runQueued(): void {
    if (this.running) return;
    this.running = true;
    runSoon(
      JOB_START_DELAY_MS,
      async () => {
        try {
          for (let next = this.nextQueued(); next !== undefined; next = this.nextQueued()) {
            await next.run(this.settings, this.mintResultId);
            this.touch();
          }
        } finally {
          this.running = false;
        }
      },
      () => {
        this.running = false;
      },
    );
  }

  private nextQueued(): Bulk1Batch | undefined {
    return this.current === 'Aborted' ? undefined : this.batchList.find((b) => b.state === 'Queued');
  }

  private touch(): void {
    this.modstamp = this.org.now();
  }
}
