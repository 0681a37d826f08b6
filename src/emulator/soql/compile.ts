/**
 * SOQL → CompiledQuery: parse, resolve every name against the catalog, then build the WHERE
 * predicate, ORDER BY comparator and output renderers as closures, once per query.
 */
import { compileAccessor } from './access.js';
import { lowerBounds } from './bounds.js';
import { fieldKind } from './field-kind.js';
import { compileOrderBy } from './order.js';
import { parseSoql } from './parser.js';
import { queryError } from './query-error.js';
import { compileCsvLine } from './render-codegen.js';
import { compileCsvRenderer } from './render-csv.js';
import { compileJsonRenderer } from './render-json.js';
import { NameResolver, type ResolvedPath } from './resolve.js';
import type { Row } from '../schema/types.js';
import type { Catalog, CompiledQuery, EvalContext } from './types.js';
import { compileWhere } from './where.js';

/** Salesforce's maximum OFFSET. */
export const MAX_OFFSET = 2000;

export const BULK_REFUSALS = {
  count: 'Aggregate queries (COUNT()) are not supported in Bulk API 2.0 query jobs',
  offset: 'OFFSET is not supported in Bulk API 2.0 query jobs',
  compound: 'Selecting compound data not supported in Bulk Query',
} as const;

export function compileSoql(soql: string, catalog: Catalog): CompiledQuery {
  const ast = parseSoql(soql);
  const object = catalog.object(ast.from.name);
  if (!object || !object.queryable) {
    throw queryError(
      'INVALID_TYPE',
      soql,
      ast.from.pos,
      `sObject type '${ast.from.name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const names = new NameResolver(soql, object, ast.alias, catalog);

  const count = ast.select.find((i) => i.kind === 'count');
  if (count && ast.select.length > 1) {
    const other = ast.select.find((i) => i.kind === 'field');
    const pos = other?.ref.pos ?? count.pos;
    throw queryError('MALFORMED_QUERY', soql, pos, 'COUNT() must be the only element in the SELECT list');
  }

  const paths: ResolvedPath[] = [];
  const seen = new Set<string>();
  for (const item of ast.select) {
    if (item.kind !== 'field') continue;
    const path = names.resolve(item.ref);
    const key = path.column.path.toLowerCase();
    if (seen.has(key)) {
      throw queryError(
        'INVALID_FIELD',
        soql,
        item.ref.pos,
        `duplicate field selected: ${path.column.field.name}`,
      );
    }
    seen.add(key);
    paths.push(path);
  }

  const where = ast.where ? compileWhere(ast.where, soql, names) : null;
  const compare = compileOrderBy(ast.orderBy, soql, names);
  if (ast.offset && ast.offset.value > MAX_OFFSET) {
    throw queryError(
      'NUMBER_OUTSIDE_VALID_RANGE',
      soql,
      ast.offset.pos,
      `Maximum SOQL offset allowed is ${MAX_OFFSET}`,
    );
  }
  const { idLowerBound, systemModstampLowerBound } = lowerBounds(ast.where, names);

  const columns = paths.map((p) => p.column);
  const toJson = compileJsonRenderer(object, paths);
  const toCsvCells = compileCsvRenderer(
    paths.map((p) => ({
      field: p.column.field,
      owner: p.column.relationships.length === 0 ? object : null,
      get: compileAccessor(p),
    })),
  );

  const csvLines = new Map<string, (row: Row, ctx: EvalContext) => string>();
  const csvLine = (delimiter: string) => {
    let line = csvLines.get(delimiter);
    if (!line) csvLines.set(delimiter, (line = compileCsvLine(paths, delimiter)));
    return line;
  };

  let bulkRefusal: string | null = null;
  if (count) bulkRefusal = BULK_REFUSALS.count;
  else if (ast.offset) bulkRefusal = BULK_REFUSALS.offset;
  else if (columns.some((c) => fieldKind(c.field) === 'compound')) bulkRefusal = BULK_REFUSALS.compound;

  return {
    object,
    isCount: count !== undefined,
    columns,
    where,
    compare,
    limit: ast.limit,
    offset: ast.offset?.value ?? null,
    idLowerBound,
    systemModstampLowerBound,
    toJson,
    csvHeader: columns.map((c) => c.path),
    toCsvCells,
    csvLine,
    bulkRefusal,
  };
}
