/** A quick "can Ferry use this database" check for `ferry config check` (SELECT 1, then close). */
import { createLogger } from '../log/index.js';
import { connect, createPool } from '../store/pool.js';

export async function checkDatabaseUrl(url: string, timeoutMs = 10_000): Promise<void> {
  const pool = createPool({ url, max: 1, logger: createLogger({ level: 'silent' }) });
  let timer: NodeJS.Timeout | undefined;
  const check = (async () => {
    const client = await connect(pool);
    try {
      await client.query('SELECT 1');
    } finally {
      client.release();
    }
  })();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
    check.catch(() => undefined);
    await pool.end();
  }
}
