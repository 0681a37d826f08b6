/**
 * Bulk 1.0 query results of XML jobs: `<queryResult><records xsi:type="sObject">` with `<type>`, the
 * record's `<Id>` (Salesforce repeats it when the query selects Id too, as its docs warn), one element
 * per selected field, and `Account.Name` nested as `<Account xsi:type="sObject"><type>Account</type>
 * <Name>…`. Empty values are `xsi:nil="true"`. Streamed like the CSV results.
 */
import type { Column } from '../soql/types.js';
import { DATALOAD_NS, escapeXml } from './bulk1-wire.js';
import type { QueryCsvSource } from './query-csv.js';

const ROWS_PER_READ = 2_000;
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/** A selected field, or a parent relationship holding further nodes. */
type Node =
  | { readonly kind: 'field'; readonly name: string; readonly index: number }
  | { readonly kind: 'parent'; readonly name: string; readonly type: string; readonly children: Node[] };

function tree(columns: readonly Column[]): Node[] {
  const root: Node[] = [];
  columns.forEach((column, index) => {
    let level = root;
    const names = column.path.split('.');
    column.relationships.forEach((rel, depth) => {
      const name = names[depth] ?? rel.relationshipName ?? rel.name;
      let parent = level.find((n) => n.kind === 'parent' && n.name === name);
      if (parent === undefined) {
        parent = { kind: 'parent', name, type: rel.referenceTo[0] ?? '', children: [] };
        level.push(parent);
      }
      level = parent.kind === 'parent' ? parent.children : level;
    });
    level.push({ kind: 'field', name: column.field.name, index });
  });
  return root;
}

function render(nodes: readonly Node[], cells: readonly string[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'field') {
      const value = cells[node.index] ?? '';
      out +=
        value === '' ? `<${node.name} xsi:nil="true"/>` : `<${node.name}>${escapeXml(value)}</${node.name}>`;
    } else if (filled(node.children, cells)) {
      out += `<${node.name} xsi:type="sObject"><type>${node.type}</type>${render(node.children, cells)}</${node.name}>`;
    } else {
      out += `<${node.name} xsi:nil="true"/>`;
    }
  }
  return out;
}

function filled(nodes: readonly Node[], cells: readonly string[]): boolean {
  return nodes.some((n) => (n.kind === 'field' ? (cells[n.index] ?? '') !== '' : filled(n.children, cells)));
}

export function* xmlQueryRecords(source: QueryCsvSource, total: number): Generator<string> {
  const { cursor, ctx } = source;
  const query = cursor.query;
  const nodes = tree(query.columns);
  const type = query.object.name;
  let chunk = `<?xml version="1.0" encoding="UTF-8"?><queryResult xmlns="${DATALOAD_NS}" xmlns:xsi="${XSI}">`;
  let position = 0;
  while (position < total) {
    const rows = cursor.page(position, Math.min(ROWS_PER_READ, total - position));
    if (rows.length === 0) break;
    position += rows.length;
    for (const row of rows) {
      const id = typeof row['Id'] === 'string' ? `<Id>${row['Id']}</Id>` : '<Id xsi:nil="true"/>';
      chunk += `<records xsi:type="sObject"><type>${type}</type>${id}${render(nodes, query.toCsvCells(row, ctx))}</records>`;
    }
    yield chunk;
    chunk = '';
  }
  yield `${chunk}</queryResult>`;
}
