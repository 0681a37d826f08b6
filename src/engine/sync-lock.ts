import type { Pool } from 'pg';
import type { FerryConfig } from '../config/ferry-config.js';
import { UnrecoverableError } from '../errors/index.js';
import { tryAdvisoryLock, type AdvisoryLock } from '../store/index.js';

/** The advisory lock name that keeps one sync per database and org. */
export function syncLockName(config: FerryConfig): string {
  const org = config.org.instanceUrl ?? config.org.loginUrl;
  return `ferry:sync:${org}:${config.org.username ?? config.org.clientId ?? ''}`;
}

export interface SyncLockOptions {
  /** Wait for the other sync to end (polling every second) instead of refusing. */
  readonly wait?: boolean;
  readonly signal?: AbortSignal;
  /** Called once when the lock is taken by another process and this one waits. */
  readonly onWait?: () => void;
}

/**
 * Takes the sync lock of this database and org: a session advisory lock, dropped by Postgres if the
 * process dies. Another sync holding it means refusal (UnrecoverableError SYNC_ALREADY_RUNNING), or
 * waiting with `wait`.
 */
export async function acquireSyncLock(
  pool: Pool,
  config: FerryConfig,
  options: SyncLockOptions = {},
): Promise<AdvisoryLock> {
  const name = syncLockName(config);
  let announced = false;
  for (;;) {
    const lock = await tryAdvisoryLock(pool, name);
    if (lock) return lock;
    if (!options.wait || options.signal?.aborted) {
      throw new UnrecoverableError(
        'Another ferry sync is already running against this database and org; this one did not start',
        {
          code: 'SYNC_ALREADY_RUNNING',
          hint: 'Stop the other `ferry sync` first (or pass --wait to start once it ends); `ferry status` shows its progress.',
        },
      );
    }
    if (!announced) {
      announced = true;
      options.onWait?.();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
