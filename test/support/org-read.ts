import type { SalesforceClient } from '../../src/salesforce/index.js';
import { soql } from '../../src/salesforce/soql.js';

/** One field of one record as the org has it now (undefined: no such record). */
export async function orgValue(
  client: SalesforceClient,
  object: string,
  id: string,
  field: string,
): Promise<unknown> {
  const query = soql.select([field]).from(object).where`Id = ${id}`;
  for await (const page of client.query<Record<string, unknown>>(query).pages()) {
    return page.records[0]?.[field];
  }
  return undefined;
}
