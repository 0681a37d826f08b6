import type { WriteConflictEntry, WriteLogEntry } from './results-queries.js';

/** `ferry writes` for people: the log rows, then the conflicts, as fixed-width tables. */
export function formatWrites(result: {
  readonly writes: readonly WriteLogEntry[];
  readonly conflicts: readonly WriteConflictEntry[];
}): string {
  const out: string[] = [];
  out.push(
    ...table(
      ['ID', 'STATE', 'ACTION', 'TABLE', 'RECORD', 'SFID', 'CREATED', 'MESSAGE'],
      result.writes.map((w) => [
        w.archived ? `${w.id} (archived)` : w.id,
        w.state,
        w.action,
        w.table,
        w.recordId === null ? '-' : String(w.recordId),
        w.sfid ?? '-',
        w.createdAt,
        w.message ? oneLine(w.message) : '-',
      ]),
    ),
  );
  if (result.writes.length === 0) out.push('(no writes)');
  out.push('', 'Conflicts (a field changed in Postgres and in Salesforce before the change was sent):');
  if (result.conflicts.length === 0) out.push('(none)');
  else {
    out.push(
      ...table(
        ['DETECTED', 'TABLE', 'RECORD', 'FIELD', 'POSTGRES', 'SALESFORCE', 'RESOLUTION'],
        result.conflicts.map((c) => [
          c.detectedAt,
          c.table,
          c.recordId === null ? (c.sfid ?? '-') : String(c.recordId),
          c.field,
          oneLine(JSON.stringify(c.localValue) ?? 'null'),
          oneLine(JSON.stringify(c.salesforceValue) ?? 'null'),
          c.resolution,
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
