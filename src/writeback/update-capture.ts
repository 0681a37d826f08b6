import { quoteIdent } from '../store/index.js';
import { comparable, concat, EMPTY, literal, type MirrorColumn } from './capture-sql.js';

/**
 * The UPDATE part of a table's generated capture function (capture-function.ts): the set-based
 * query for a statement of any size, and the PL/pgSQL statements for one that changed one row. Both
 * log the same row: the changed columns in `values` and `old`, both NULL when nothing changed.
 */

/** Columns whose change flags are tested together before they are looked at one by one. */
const FLAG_GROUP = 8;

/**
 * A target list holds at most 1664 entries (MaxTupleAttributeNumber); the pairing subquery of an
 * UPDATE has 3 per data column when it passes the values on one by one.
 */
const MAX_TARGET_ENTRIES = 1664;

/** How the outer query of an UPDATE's capture reads column k's new (n) or old (o) value. */
type ValueRef = (from: 'n' | 'o', k: number, c: MirrorColumn) => string;

/**
 * The changed columns of one row pair as jsonb, NULL when none changed: `x.c<k>` says whether column
 * k changed, `value` reads its new or old value. The comparisons are made once, in the pairing
 * subquery, for both objects (they cost more than the jsonb of the one or two columns an UPDATE
 * usually changes). Columns go in groups: an unchanged group costs one OR of its flags and no jsonb
 * work; `||` with an empty object returns the other operand as it is. A column changed to NULL is
 * there with `null`.
 */
function changedObject(from: 'n' | 'o', columns: readonly MirrorColumn[], value: ValueRef): string {
  const groups: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < columns.length; i += FLAG_GROUP) {
    const group = columns.slice(i, i + FLAG_GROUP).map((c, j) => ({ c, k: i + j }));
    const each = group.map(
      ({ c, k }) =>
        `CASE WHEN x.c${k} THEN jsonb_build_object(${literal(c.name)}, ${value(from, k, c)}) ELSE ${EMPTY} END`,
    );
    const any = group.map(({ k }) => `x.c${k}`).join(' OR ');
    flags.push(`(${any})`);
    groups.push(group.length === 1 ? each[0]! : `CASE WHEN ${any} THEN ${concat(each)} ELSE ${EMPTY} END`);
  }
  if (groups.length === 0) return 'NULL::jsonb';
  return `CASE WHEN ${flags.join(' OR ')} THEN ${concat(groups)} END`;
}

/**
 * The capture of an UPDATE statement: old and new rows paired by id, in the order the statement
 * processed them. The pairing subquery (OFFSET 0 keeps it from being merged into the outer query,
 * which would compute each comparison once per reference) passes on whether each column changed
 * (`c<k>`) and the values, under names of its own (`k`, `i`, `s`, `n<k>`, `o<k>`), so no column of
 * the table can shadow them. A table too wide for three entries per column has its rows passed on
 * whole (`n_row`, `o_row`) and only the changed values read from them. The jsonb is built before
 * the sort, which then moves narrow rows; a hash join keeps the statement's order, so the sort finds
 * them in order (the ORDER BY guarantees it in every case: log ids are taken after it).
 */
export function updateCapture(
  log: string,
  data: readonly MirrorColumn[],
  columns: readonly MirrorColumn[],
): string {
  const taken = new Set(columns.map((c) => c.name));
  let ord = 'ferry_capture_ord';
  while (taken.has(ord)) ord = `${ord}_`;
  const flags = data.map((c, k) => `${comparable('n', c)} IS DISTINCT FROM ${comparable('o', c)} AS c${k}`);
  const oneByOne = 3 + 3 * data.length <= MAX_TARGET_ENTRIES;
  const passed = oneByOne
    ? data.map((c, k) => `n.${quoteIdent(c.name)} AS n${k}, o.${quoteIdent(c.name)} AS o${k}`)
    : ['n AS n_row', 'o AS o_row'];
  const value: ValueRef = oneByOne
    ? (from, k) => `x.${from}${k}`
    : (from, _k, c) => `(x.${from}_row).${quoteIdent(c.name)}`;
  const inner = [`n.${quoteIdent(ord)} AS k`, 'n.id AS i', 'n.sfid AS s', ...passed, ...flags];
  return `
    WITH logged AS (
      INSERT INTO ${log}
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old, "values")
      SELECT capture.cap_txid, capture.cap_time, capture.cap_time, CASE WHEN d.new_values IS NULL THEN 'IGNORE' ELSE 'NEW' END,
             'UPDATE', capture.cap_table, d.i, d.s, d.old_values, d.new_values
      FROM (
        SELECT x.k, x.i, x.s, ${changedObject('n', data, value)} AS new_values,
               ${changedObject('o', data, value)} AS old_values
        FROM (
          SELECT ${inner.join(',\n                 ')}
          FROM (SELECT row_number() OVER () AS ${quoteIdent(ord)}, t.* FROM ferry_new t) n
          JOIN ferry_old o ON o.id = n.id
          OFFSET 0
        ) x
      ) d
      ORDER BY d.k
      RETURNING state
    )
    SELECT count(*), count(*) FILTER (WHERE l.state = 'NEW'), (SELECT count(*) FROM ferry_new)
    INTO capture.n_logged, capture.n_pending, capture.n_affected
    FROM logged l;`;
}

/**
 * The capture of an UPDATE statement that changed one row — what an application usually sends — in
 * PL/pgSQL statements rather than the set-based query of updateCapture, whose executor start-up
 * (projections over every column, for `values` and `old`) is most of a one-row statement's capture:
 * 2,000 one-row UPDATEs of a 40-field table cost 0.17 ms each beyond the UPDATE that way, 0.09 ms
 * this way (bench/writeback.bench.mjs (a)). The log row is the same: the changed columns in
 * `values` and `old`, both NULL when nothing changed (IGNORE). A statement that changed the row's id logs nothing, as the set-based
 * path does (it pairs rows by id), and the check after the capture refuses it.
 */
export function oneRowUpdateCapture(log: string, data: readonly MirrorColumn[]): string {
  const checks = data.map((c) => {
    const n = `capture.one_new.${quoteIdent(c.name)}`;
    const o = `capture.one_old.${quoteIdent(c.name)}`;
    return `
    IF ${comparable('capture.one_new', c)} IS DISTINCT FROM ${comparable('capture.one_old', c)} THEN
      capture.one_values := capture.one_values || jsonb_build_object(${literal(c.name)}, ${n});
      capture.one_old_values := capture.one_old_values || jsonb_build_object(${literal(c.name)}, ${o});
    END IF;`;
  });
  return `
    SELECT * INTO capture.one_new FROM ferry_new;
    SELECT * INTO capture.one_old FROM ferry_old;
    capture.one_values := ${EMPTY};
    capture.one_old_values := ${EMPTY};${checks.join('')}
    IF capture.one_values = ${EMPTY} THEN
      capture.one_values := NULL;
      capture.one_old_values := NULL;
    END IF;
    capture.n_affected := 1;
    IF capture.one_new.id = capture.one_old.id THEN
      INSERT INTO ${log}
        (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old, "values")
      VALUES (capture.cap_txid, capture.cap_time, capture.cap_time,
              CASE WHEN capture.one_values IS NULL THEN 'IGNORE' ELSE 'NEW' END, 'UPDATE', capture.cap_table,
              capture.one_new.id, capture.one_new.sfid, capture.one_old_values, capture.one_values);
      capture.n_logged := 1;
      capture.n_pending := CASE WHEN capture.one_values IS NULL THEN 0 ELSE 1 END;
    END IF;`;
}
