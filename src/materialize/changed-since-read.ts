/**
 * Whether a mirror row was changed after Salesforce was read for the batch being applied — by the
 * writer recording a write it has just sent, or by a user's edit. Such a row may hold something newer
 * than the version read: a poll that read a record just before the writer's update landed, applied
 * just after the write was recorded, would put the old values back (a flip-flop, until the next poll),
 * and a user editing the row meanwhile would capture the stale value as the change's `old`, which the
 * conflict check then misreads (with `salesforce-wins`, the user's change was dropped). Its versions
 * are left out of this batch's merge; the record's next version, which the write itself produced, or
 * the next poll's overlap re-read, brings the row up to date.
 *
 * `xmin` is the row's 32-bit xid (`t.xmin`); `snapshot` an SQL expression of type txid_snapshot, the
 * snapshot taken before the read began (ChangeBatch.readSnapshot). Only xids from the snapshot's xmin
 * on can be invisible to it (older ones had finished), so the xid is placed in the window from there
 * to the newest xid: the current statement's snapshot xmax, plus a margin for transactions that
 * started while the statement waited for a row lock (the writer's recording, typically). The window
 * matters because a frozen row keeps its raw xmin, however old: an xid from 2^32 transactions ago
 * falls in it only while the xid counter passes the margin, and then costs one skipped version. The
 * transaction applying the batch is not "after" the read.
 */
const LOCK_WAIT_MARGIN = 1_000_000;

export function changedSinceReadSql(xmin: string, snapshot: string): string {
  const base = `txid_snapshot_xmin(${snapshot})`;
  const offset = `((${xmin})::text::bigint - ${base} % 4294967296 + 4294967296) % 4294967296`;
  const window = `txid_snapshot_xmax(txid_current_snapshot()) - ${base} + ${LOCK_WAIT_MARGIN}`;
  return `(${offset} < ${window}
     AND ${base} + ${offset} <> txid_current()
     AND NOT txid_visible_in_snapshot(${base} + ${offset}, ${snapshot}))`;
}
