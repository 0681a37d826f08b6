import { describe, expect, it } from 'vitest';
import type { ChangeBatch } from '../../src/core/change-batch.js';
import { appendVersions, versionsOf } from '../../src/history/index.js';
import { withTransaction } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';
import { batch, rec, sfid } from '../materialize/fixtures/batches.js';

const db = useTestDatabase();

function append(b: ChangeBatch): Promise<number> {
  return withTransaction(db().pool, (client) => appendVersions(client, b));
}

describe('a formula refresh in history', () => {
  it('merges the refreshed formula fields over the newest stored version (whole versions kept)', async () => {
    const id = sfid(1);
    const fresh = sfid(2);
    await append(
      batch('Invoice__c', [
        rec(id, '2024-01-01T00:00:00.000Z', { Name: 'INV-1', Amount__c: 10, Total__c: 12 }),
      ]),
    );
    const formula = (fields: { Total__c: number }, who = id): ChangeBatch => ({
      ...batch('Invoice__c', [rec(who, '2024-01-01T00:00:00.000Z', fields)]),
      source: 'formula',
      partial: true,
    });

    // Same formula value: the merged version equals the stored one, nothing stored.
    expect(await append(formula({ Total__c: 12 }))).toBe(0);
    // A changed formula value: a whole new version, the other fields carried over.
    expect(await append(formula({ Total__c: 15 }))).toBe(1);
    const versions = await versionsOf(db().pool, 'Invoice__c', id);
    expect(versions.map((v) => v.fields)).toEqual([
      { Name: 'INV-1', Amount__c: 10, Total__c: 12 },
      { Name: 'INV-1', Amount__c: 10, Total__c: 15 },
    ]);
    expect(versions[1]?.source).toBe('formula');
    // A later full read with the same content stores nothing: the formula version was whole.
    expect(
      await append(
        batch('Invoice__c', [
          rec(id, '2024-01-01T00:00:00.000Z', { Name: 'INV-1', Amount__c: 10, Total__c: 15 }),
        ]),
      ),
    ).toBe(0);

    // A record never stored before is stored as read.
    expect(await append(formula({ Total__c: 1 }, fresh))).toBe(1);
    expect((await versionsOf(db().pool, 'Invoice__c', fresh))[0]?.fields).toEqual({ Total__c: 1 });
  });
});
