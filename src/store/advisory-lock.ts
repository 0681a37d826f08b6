import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { InvariantError } from '../errors/index.js';
import { wrapPgError } from './pg-errors.js';
import { connect } from './pool.js';

/**
 * Session-level advisory locks named by strings. The lock belongs to one connection, so the holder
 * keeps a dedicated client until it releases; if that connection dies, Postgres drops the lock.
 */

/**
 * The bigint key for a lock name: the first 8 bytes of its SHA-256 as a signed 64-bit integer. Stable
 * across Ferry versions and Postgres versions (unlike hashtext, which is internal and 32-bit).
 */
export function advisoryLockKey(name: string): bigint {
  return createHash('sha256').update(name, 'utf8').digest().readBigInt64BE(0);
}

export interface AdvisoryLock {
  readonly name: string;
  readonly key: bigint;
  /** The connection that holds the lock; its session must stay open while the lock is needed. */
  readonly client: PoolClient;
  /**
   * Aborted (with the connection error as reason) if the holding session dies: Postgres has then
   * dropped the lock, and work that relies on it must stop.
   */
  readonly signal: AbortSignal;
  /** Unlocks and returns the client to the pool. Idempotent. */
  release(): Promise<void>;
}

/** Waits for the lock, runs `fn` on the locking client, then unlocks, whatever `fn` did. */
export async function withAdvisoryLock<T>(
  pool: Pool,
  name: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await connect(pool);
  const key = advisoryLockKey(name);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [key.toString()]);
  } catch (err) {
    client.release(true);
    throw wrapPgError(`Could not take advisory lock "${name}"`, err);
  }
  const lock = held(name, key, client);
  let result: T;
  try {
    result = await fn(client);
  } catch (err) {
    await lock.release().catch(() => undefined);
    throw err;
  }
  await lock.release();
  return result;
}

/** Takes the lock if it is free; `undefined` if another session holds it. */
export async function tryAdvisoryLock(pool: Pool, name: string): Promise<AdvisoryLock | undefined> {
  const client = await connect(pool);
  const key = advisoryLockKey(name);
  let acquired: boolean;
  try {
    const result = await client.query<{ acquired: boolean }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS acquired',
      [key.toString()],
    );
    acquired = result.rows[0]?.acquired === true;
  } catch (err) {
    client.release(true);
    throw wrapPgError(`Could not try advisory lock "${name}"`, err);
  }
  if (!acquired) {
    client.release();
    return undefined;
  }
  return held(name, key, client);
}

function held(name: string, key: bigint, client: PoolClient): AdvisoryLock {
  const lost = new AbortController();
  // A checked-out client whose connection dies emits 'error'; without a listener that would crash
  // the process. Here it means the lock is gone.
  const onError = (err: Error): void => lost.abort(err);
  client.on('error', onError);
  let released: Promise<void> | undefined;
  return {
    name,
    key,
    client,
    signal: lost.signal,
    release: () => {
      released ??= unlock(name, key, client).finally(() => client.removeListener('error', onError));
      return released;
    },
  };
}

async function unlock(name: string, key: bigint, client: PoolClient): Promise<void> {
  let unlocked: boolean;
  try {
    const result = await client.query<{ unlocked: boolean }>(
      'SELECT pg_advisory_unlock($1::bigint) AS unlocked',
      [key.toString()],
    );
    unlocked = result.rows[0]?.unlocked === true;
  } catch (err) {
    // Ending the session releases every lock it holds.
    client.release(true);
    throw wrapPgError(`Could not release advisory lock "${name}"; its connection was closed instead`, err);
  }
  client.release();
  if (!unlocked) {
    throw new InvariantError(`Advisory lock "${name}" was not held by its connection when released`, {
      code: 'ADVISORY_LOCK_NOT_HELD',
    });
  }
}
