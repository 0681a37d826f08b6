import type { Pool } from 'pg';
import type { FerryConfig } from '../config/ferry-config.js';
import { fromDescribe, type ObjectModel } from '../core/sobject-model.js';
import type { Logger } from '../log/index.js';
import { mirrorTableName } from '../materialize/index.js';
import type { SalesforceClient } from '../salesforce/index.js';
import { defaultWriteBackend, type WriteBackend } from '../writeback/writer-backend.js';
import { Writer, type WriterOptions } from '../writeback/writer.js';
import { mappedModel } from './mapped-model.js';

/** The advisory lock that keeps one writer per org and mirror schema (whatever the database user). */
export function writerLockName(config: FerryConfig): string {
  const org = config.org.instanceUrl ?? config.org.loginUrl;
  return `ferry:writes:${org}:${config.org.username ?? config.org.clientId ?? ''}:${config.mirror.schema}`;
}

export interface WriterSetup {
  readonly config: FerryConfig;
  readonly pool: Pool;
  readonly client: SalesforceClient;
  readonly logger: Logger;
  /** Default: the configured planner (writes.algorithm) and sender. */
  readonly backend?: WriteBackend | undefined;
  /** Overrides (tests): first retry wait. */
  readonly retryBaseMs?: number | undefined;
  readonly onState?: WriterOptions['onState'];
}

/** Describes are cached this long: field changes reach the planner within it. */
const MODELS_TTL_MS = 10 * 60_000;

/** The writer of this configuration: settings from `writes:`, lock per org and schema. */
export function createWriter(setup: WriterSetup): Writer {
  const { config, client } = setup;
  // Every merge-mode mapping, read-only ones too: changes captured before a mapping became
  // read-only are still sent (Heroku Connect does the same; docs/write-back.md).
  const mappings = Object.values(config.objects).filter((m) => m.mode === 'merge');
  let cached: { at: number; models: ReadonlyMap<string, ObjectModel> } | undefined;
  const models = async (): Promise<ReadonlyMap<string, ObjectModel>> => {
    if (cached && Date.now() - cached.at < MODELS_TTL_MS) return cached.models;
    const byTable = new Map<string, ObjectModel>();
    for (const mapping of mappings) {
      const model = mappedModel(fromDescribe(await client.describe(mapping.name)), mapping);
      byTable.set(mirrorTableName(model), model);
    }
    cached = { at: Date.now(), models: byTable };
    return byTable;
  };
  return new Writer({
    pool: setup.pool,
    schema: config.mirror.schema,
    lockName: writerLockName(config),
    backend:
      setup.backend ??
      defaultWriteBackend({
        client,
        schema: config.mirror.schema,
        algorithm: config.writes.algorithm,
        externalIdField: config.writes.externalIdField,
        bulkThreshold: config.writes.bulkThreshold,
        bulkJobSize: config.writes.bulkJobSize,
        assignmentRules: config.writes.assignmentRules,
        models,
      }),
    minIntervalMs: config.writes.minInterval,
    pollEveryMs: config.writes.pollEvery,
    archiveAfterMs: config.writes.archiveAfter,
    purgeAfterMs: config.writes.purgeAfter,
    logger: setup.logger,
    ...(setup.retryBaseMs !== undefined ? { retryBaseMs: setup.retryBaseMs } : {}),
    ...(setup.onState ? { onState: setup.onState } : {}),
  });
}
