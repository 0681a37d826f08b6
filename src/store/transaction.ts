import type { Pool, PoolClient } from 'pg';
import { connect } from './pool.js';
import { wrapPgError } from './pg-errors.js';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  isolation?: IsolationLevel | undefined;
  readOnly?: boolean | undefined;
}

const ISOLATION_SQL: Readonly<Record<IsolationLevel, string>> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/**
 * Runs `fn` in one transaction on a client of its own: COMMIT when it resolves, ROLLBACK when it
 * throws, and the client always goes back to the pool. The error `fn` threw is re-thrown unchanged so
 * its disposition survives; failures of BEGIN/COMMIT themselves are wrapped with `{ cause }`.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await connect(pool);
  let phase: 'begin' | 'run' | 'commit' = 'begin';
  try {
    await client.query(beginStatement(options));
    phase = 'run';
    const result = await fn(client);
    phase = 'commit';
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    if (phase !== 'run') {
      // BEGIN or COMMIT itself failed; the server has ended the transaction, or the connection is
      // gone. Discarding one connection is cheaper than guessing which.
      client.release(true);
      throw wrapPgError(`Transaction failed at ${phase.toUpperCase()}`, err);
    }
    try {
      await client.query('ROLLBACK');
      client.release();
    } catch {
      // The connection is unusable (that is often why fn failed): discard it rather than hand a
      // client in an unknown state to the next user. Closing the session rolls back server-side.
      client.release(true);
    }
    throw err;
  }
}

function beginStatement(options: TransactionOptions): string {
  let sql = 'BEGIN';
  if (options.isolation) sql += ` ISOLATION LEVEL ${ISOLATION_SQL[options.isolation]}`;
  if (options.readOnly) sql += ' READ ONLY';
  return sql;
}
