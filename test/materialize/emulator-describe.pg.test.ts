import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDescribe, type ObjectModel } from '../../src/core/sobject-model.js';
import { mirrorColumns } from '../../src/core/type-map.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { applyChangeBatch, ensureMirrorTable } from '../../src/materialize/index.js';
import { withTransaction } from '../../src/store/index.js';
import { useTestDatabase } from '../support/database.js';
import { batch, rec } from './fixtures/batches.js';

/** Every object the emulator's demo org describes becomes a mirror table that takes a record. */
const db = useTestDatabase();
let emu: RunningEmulator;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, seed: 'demo' });
  const res = await fetch(`${emu.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: 'ferry',
      client_secret: 'ferry-secret',
      username: 'admin@ferry.test',
      password: 'ferry',
    }).toString(),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});

afterAll(async () => {
  await emu?.close();
});

async function get(path: string): Promise<unknown> {
  const res = await fetch(`${emu.url}/services/data/v62.0${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status, path).toBe(200);
  return res.json();
}

describe('models from the emulator describe', () => {
  it('builds a model and a mirror table for every object', async () => {
    const global = (await get('/sobjects')) as { sobjects: { name: string }[] };
    const models: ObjectModel[] = [];
    for (const { name } of global.sobjects)
      models.push(fromDescribe(await get(`/sobjects/${name}/describe`)));
    expect(models.map((m) => m.name)).toContain('Invoice__c');
    for (const model of models) {
      const result = await withTransaction(db().pool, (client) =>
        ensureMirrorTable(client, model, { schema: 'salesforce' }),
      );
      expect(result.created, model.name).toBe(true);
      const sfid = `${model.name.slice(0, 3).padEnd(3, 'x')}000000000000001`.slice(0, 18);
      const applied = await applyChangeBatch(
        db().pool,
        batch(model.name, [rec(sfid, '2024-01-01T00:00:00.000Z', {})], {
          cursor: { systemModstamp: '2024-01-01T00:00:00.000Z', id: sfid },
        }),
        model,
        { schema: 'salesforce' },
      );
      expect(applied.upserted, model.name).toBe(1);
      expect(mirrorColumns(model).length, model.name).toBeGreaterThan(0);
    }
  });
});
