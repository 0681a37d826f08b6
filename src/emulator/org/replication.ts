/**
 * getUpdated / getDeleted: the replication windows. Both work in whole minutes and never claim
 * coverage past now — a sync that moved its cursor to a later `latestDateCovered` would skip what
 * happens next. getDeleted reports what sits in the recycle bin, with `earliestDateAvailable`
 * 15 days back; getUpdated refuses a start more than 30 days ago.
 */
import { isoSeconds } from './clock.js';
import { RECYCLE_BIN_DAYS, type RecycleBin } from './recycle-bin.js';
import type { RecordTable } from './record-table.js';
import { OrgError, type DeletedResult, type UpdatedResult } from './types.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const MAX_IDS = 600_000;

function window(start: Date, end: Date, nowMs: number): { from: string; to: string } {
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
    throw new OrgError('INVALID_REPLICATION_DATE', 'startDate and endDate must be valid dateTimes', 400);
  }
  if (end.getTime() < start.getTime())
    throw new OrgError('INVALID_REPLICATION_DATE', 'EndDate before StartDate', 400);
  return {
    from: isoSeconds(Math.floor(start.getTime() / MINUTE) * MINUTE),
    to: isoSeconds(Math.floor(Math.min(end.getTime(), nowMs) / MINUTE) * MINUTE),
  };
}

export function updatedIn(table: RecordTable, start: Date, end: Date, nowMs: number): UpdatedResult {
  if (start.getTime() < nowMs - 30 * DAY - MINUTE) {
    throw new OrgError('INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago', 400);
  }
  const { from, to } = window(start, end, nowMs);
  const ids: string[] = [];
  for (const [row] of table.scan(table.positionAfterModstamp(from, true))) {
    const stamp = row.SystemModstamp as string;
    if (row.IsDeleted !== true && stamp >= from && stamp < to) ids.push(row.Id as string);
  }
  if (ids.length > MAX_IDS) {
    throw new OrgError(
      'EXCEEDED_ID_LIMIT',
      `too many ids: more than ${MAX_IDS} records updated in the period`,
      400,
    );
  }
  return { ids, latestDateCovered: salesforceDateTime(to) };
}

export function deletedIn(
  table: RecordTable,
  bin: RecycleBin,
  start: Date,
  end: Date,
  nowMs: number,
): DeletedResult {
  const { from, to } = window(start, end, nowMs);
  const deletedRecords = bin
    .forObject(table.object.name)
    .filter((e) => e.deletedAt >= from && e.deletedAt < to)
    .map((e) => ({ id: e.id, deletedDate: salesforceDateTime(e.deletedAt) }));
  if (deletedRecords.length > MAX_IDS) {
    throw new OrgError(
      'EXCEEDED_ID_LIMIT',
      `too many ids: more than ${MAX_IDS} records deleted in the period`,
      400,
    );
  }
  const earliest = isoSeconds(Math.ceil((nowMs - RECYCLE_BIN_DAYS * DAY) / MINUTE) * MINUTE);
  return {
    deletedRecords,
    earliestDateAvailable: salesforceDateTime(earliest),
    latestDateCovered: salesforceDateTime(to),
  };
}

/** `2013-05-08T21:20:00.000+0000`, the REST rendering of a datetime. */
export function salesforceDateTime(iso: string): string {
  return `${iso.slice(0, 23)}+0000`;
}
