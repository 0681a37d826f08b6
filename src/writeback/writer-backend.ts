import type { ClientBase } from 'pg';
import type { ObjectModel } from '../core/sobject-model.js';
import type { SalesforceClient } from '../salesforce/index.js';
import { planMerged } from './plan-merged.js';
import { planOrdered } from './plan-ordered.js';
import { sendGroup } from './send-writes.js';
import type { WriteGroup, WriteOutcome, WritePlan } from './write-plan.js';

/** What the writer needs from the planner and the sender (write-plan.ts is their contract). */
export interface WriteBackend {
  /**
   * NEW log rows → what to send, in order (planOrdered / planMerged). Runs inside the writer's claim
   * transaction on `client`.
   */
  plan(client: ClientBase): Promise<WritePlan>;
  /**
   * One group → one outcome per write; throws TransientError when Salesforce is unavailable.
   * `onOutcomes`, when given, may be called with final outcomes as calls answer (before the group is
   * done), so the writer records them meanwhile; the returned array holds every outcome all the same.
   */
  send(
    group: WriteGroup,
    signal?: AbortSignal,
    onOutcomes?: (outcomes: readonly WriteOutcome[]) => void,
  ): Promise<readonly WriteOutcome[]>;
}

export interface BackendSetup {
  readonly client: SalesforceClient;
  readonly schema: string;
  readonly algorithm: 'ordered' | 'merged';
  readonly externalIdField: string;
  readonly bulkThreshold: number;
  readonly bulkJobSize: number;
  readonly assignmentRules: boolean;
  /** The mapped objects' models by mirror table (the writer asks before each plan). */
  readonly models: () => Promise<ReadonlyMap<string, ObjectModel>>;
}

/**
 * The writer's planner and sender for a configuration: `writes.algorithm` picks the planner
 * (plan-ordered.ts / plan-merged.ts); send-writes.ts sends, through Bulk 2.0 for large groups of an
 * ordered plan only (a merged plan has folded a record's changes: Heroku Connect sends those by the
 * record API, and so do we).
 */
export function defaultWriteBackend(setup: BackendSetup): WriteBackend {
  const planner = setup.algorithm === 'merged' ? planMerged : planOrdered;
  return {
    plan: async (client) =>
      planner(client, {
        schema: setup.schema,
        models: await setup.models(),
        externalIdField: setup.externalIdField,
      }),
    send: (group, signal, onOutcomes) =>
      sendGroup(setup.client, group, {
        externalIdField: setup.externalIdField,
        bulkThreshold: setup.algorithm === 'merged' ? Infinity : setup.bulkThreshold,
        bulkJobSize: setup.bulkJobSize,
        assignmentRules: setup.assignmentRules,
        ...(signal ? { signal } : {}),
        ...(onOutcomes ? { onOutcomes } : {}),
      }),
  };
}
