import { describe, expect, it } from 'vitest';
import { ConfigError, TransientError, UnrecoverableError } from '../../src/errors/index.js';
import { databaseOf, redactUrl, withDatabase } from '../../src/store/database-url.js';
import { wrapPgError } from '../../src/store/pg-errors.js';

describe('database URLs', () => {
  it('points a URL at another database, keeping credentials and options', () => {
    expect(withDatabase('postgres://u:p%40ss@h:5433/a?sslmode=require', 'b')).toBe(
      'postgres://u:p%40ss@h:5433/b?sslmode=require',
    );
    expect(databaseOf('postgres://u:p@h/db1')).toBe('db1');
    expect(databaseOf('postgres://someone@h')).toBe('someone');
  });

  it('redacts the password and nothing else', () => {
    expect(redactUrl('postgres://u:s3cret@h:5432/db?x=1')).toBe('postgres://u:[redacted]@h:5432/db?x=1');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl('not a url with s3cret')).not.toContain('s3cret');
  });
});

describe('wrapPgError', () => {
  const pgError = (code: string): Error => Object.assign(new Error(`boom ${code}`), { code });

  it('classifies by SQLSTATE and keeps the cause', () => {
    const serialization = pgError('40001');
    const wrapped = wrapPgError('Saving batch', serialization);
    expect(wrapped).toBeInstanceOf(TransientError);
    expect(wrapped.cause).toBe(serialization);
    expect(wrapped.code).toBe('40001');
    expect(wrapped.message).toBe('Saving batch: boom 40001');
    expect(wrapPgError('x', pgError('57P01'))).toBeInstanceOf(TransientError);
    expect(wrapPgError('x', pgError('ECONNREFUSED'))).toBeInstanceOf(TransientError);
    expect(wrapPgError('x', pgError('28P01'))).toBeInstanceOf(ConfigError);
    expect(wrapPgError('x', pgError('3D000'))).toBeInstanceOf(ConfigError);
    expect(wrapPgError('x', pgError('23505'))).toBeInstanceOf(UnrecoverableError);
    expect(wrapPgError('x', 'not an error')).toBeInstanceOf(UnrecoverableError);
  });
});
