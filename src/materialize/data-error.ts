import type { ChangeBatch } from '../core/change-batch.js';
import type { ObjectModel } from '../core/sobject-model.js';
import { mirrorColumns, toColumnValue } from '../core/type-map.js';
import { RecordError } from '../errors/index.js';

const VARCHAR = /^varchar\((\d+)\)$/;

/**
 * A batch that Postgres refused with a data exception (SQLSTATE class 22: a value that does not
 * convert to its column's type, or is too long for it) fails as a whole and Postgres names neither
 * the record nor the field. Capture validates values before they get here, so this is rare; when it
 * happens the batch is checked again in JS — only then — to name the record, field and value.
 */
export function explainDataError(
  batch: ChangeBatch,
  model: ObjectModel,
  table: string,
  cause: unknown,
): RecordError {
  const columns = mirrorColumns(model);
  for (const record of batch.records) {
    for (const c of columns) {
      const value = record.fields[c.field.name];
      const where = { object: model.name, sfid: record.sfid };
      try {
        toColumnValue(c.field, value, where);
      } catch (err) {
        if (err instanceof RecordError) return withCause(err, table, cause);
        throw err;
      }
      const max = VARCHAR.exec(c.type)?.[1];
      if (typeof value === 'string' && max !== undefined && [...value].length > Number(max)) {
        return new RecordError(
          `${model.name}.${c.field.name} of record ${record.sfid} is ${[...value].length} characters long; column ${table}.${c.column} holds ${max}. Widen the column (ALTER TABLE ... TYPE text) or check the field's length in the describe.`,
          { code: 'FIELD_VALUE_TOO_LONG', fields: [c.field.name], cause },
        );
      }
    }
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new RecordError(`A ${model.name} batch holds a value ${table} cannot store: ${reason}`, {
    code: 'FIELD_VALUE_INVALID',
    cause,
  });
}

function withCause(err: RecordError, table: string, cause: unknown): RecordError {
  return new RecordError(`${err.message} (refused by ${table})`, {
    code: err.code,
    fields: err.fields,
    cause,
  });
}
