/**
 * Injected faults (control surface `POST /__emulator/faults`): maintenance windows (503, HTML
 * pages, read-only mode), latency, UNABLE_TO_LOCK_ROW on a share of written records, "fail the
 * next N requests", and upsert races (DUPLICATE_VALUE on an external id that already exists). Lock failures use a seeded PRNG so a test sees the same failures every run.
 * Durations are measured on the real clock: a test that freezes the emulator clock must still see
 * its maintenance window end.
 */
import { z } from 'zod';
import { mulberry32 } from '../../core/prng.js';
import type { OrgApi, RecordInput, SaveResult, WriteOptions } from '../org/types.js';
import { errorResponse } from './errors.js';
import type { EmuResponse, ErrorDialect } from './types.js';

export const faultSettingsSchema = z.strictObject({
  maintenance: z
    .strictObject({
      durationMs: z.number().int().positive(),
      status: z.number().int().min(400).max(599).optional(),
      html: z.boolean().optional(),
      readOnly: z.boolean().optional(),
    })
    .optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  lockRowRate: z.number().min(0).max(1).optional(),
  /** PRNG seed for lockRowRate (default 1). */
  lockRowSeed: z.number().int().optional(),
  expireSessions: z.literal(true).optional(),
  exhaustDailyLimit: z.literal(true).optional(),
  failNext: z
    .strictObject({
      count: z.number().int().positive(),
      status: z.number().int().min(400).max(599),
      errorCode: z.string().min(1),
      message: z.string().optional(),
      /** Only requests whose path contains this text fail (default: any API request). */
      match: z.string().optional(),
    })
    .optional(),
  /**
   * The next `count` upserted records whose external id already matches a record fail with
   * DUPLICATE_VALUE instead of updating it — what Salesforce answers when two upserts of one new
   * external id race (both find nothing, one insert wins, the other hits the unique index). A writer
   * resending after a lost acknowledgement must read this as "already written".
   */
  upsertRace: z.strictObject({ count: z.number().int().positive() }).optional(),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

interface Maintenance {
  until: number;
  status: number;
  html: boolean;
  readOnly: boolean;
}

interface FailNext {
  remaining: number;
  status: number;
  errorCode: string;
  message: string;
  match: string | undefined;
}

const MAINTENANCE_HTML =
  '<!DOCTYPE html><html><head><title>Salesforce - Down for Maintenance</title></head><body>' +
  '<h1>Down for Maintenance</h1><p>This Salesforce instance is undergoing scheduled maintenance. ' +
  'Please try again later.</p></body></html>';

export class Faults {
  private maintenanceState: Maintenance | undefined;
  private latency = 0;
  private lockRate = 0;
  private lockSeed = 1;
  private random = mulberry32(1);
  private failNextState: FailNext | undefined;
  private raceRemaining = 0;

  /** Applies the given settings; settings not mentioned stay as they are. */
  apply(settings: FaultSettings): void {
    if (settings.maintenance) {
      const m = settings.maintenance;
      this.maintenanceState = {
        until: Date.now() + m.durationMs,
        status: m.status ?? 503,
        html: m.html ?? false,
        readOnly: m.readOnly ?? false,
      };
    }
    if (settings.latencyMs !== undefined) this.latency = settings.latencyMs;
    if (settings.lockRowRate !== undefined || settings.lockRowSeed !== undefined) {
      this.lockRate = settings.lockRowRate ?? this.lockRate;
      this.lockSeed = settings.lockRowSeed ?? 1;
      this.random = mulberry32(this.lockSeed);
    }
    if (settings.upsertRace) this.raceRemaining = settings.upsertRace.count;
    if (settings.failNext) {
      const f = settings.failNext;
      this.failNextState = {
        remaining: f.count,
        status: f.status,
        errorCode: f.errorCode,
        message: f.message ?? `Injected failure: ${f.errorCode}`,
        match: f.match,
      };
    }
  }

  clear(): void {
    this.maintenanceState = undefined;
    this.latency = 0;
    this.lockRate = 0;
    this.random = mulberry32(1);
    this.failNextState = undefined;
    this.raceRemaining = 0;
  }

  /** Consumes one injected upsert race, if any is left. */
  takeRace(): boolean {
    if (this.raceRemaining <= 0) return false;
    this.raceRemaining--;
    return true;
  }

  get upsertRaces(): number {
    return this.raceRemaining;
  }

  get latencyMs(): number {
    return this.latency;
  }

  private activeMaintenance(): Maintenance | undefined {
    if (this.maintenanceState && this.maintenanceState.until <= Date.now()) this.maintenanceState = undefined;
    return this.maintenanceState;
  }

  /** The maintenance response for this request, if a window is open and covers it. */
  maintenanceResponse(dialect: ErrorDialect, isWrite: boolean): EmuResponse | undefined {
    const m = this.activeMaintenance();
    if (!m) return undefined;
    if (m.readOnly) {
      if (!isWrite) return undefined;
      return errorResponse(
        dialect,
        m.status,
        'INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE',
        "Updates can't be made during maintenance. Try again when maintenance is complete.",
      );
    }
    const retryAfter = String(Math.max(1, Math.ceil((m.until - Date.now()) / 1000)));
    if (m.html) {
      return {
        status: m.status,
        headers: { 'Content-Type': 'text/html;charset=UTF-8', 'Retry-After': retryAfter },
        body: MAINTENANCE_HTML,
      };
    }
    const res = errorResponse(
      dialect,
      m.status,
      'SERVER_UNAVAILABLE',
      'Server unavailable: scheduled maintenance',
    );
    return { ...res, headers: { ...res.headers, 'Retry-After': retryAfter } };
  }

  /** Consumes one injected failure if the next-N budget covers this request. */
  takeFailure(path: string, dialect: ErrorDialect): EmuResponse | undefined {
    const f = this.failNextState;
    if (!f || (f.match !== undefined && !path.includes(f.match))) return undefined;
    f.remaining--;
    if (f.remaining <= 0) this.failNextState = undefined;
    return errorResponse(dialect, f.status, f.errorCode, f.message);
  }

  /** One draw: does this record hit a lock? */
  rollLock(): boolean {
    return this.lockRate > 0 && this.random() < this.lockRate;
  }

  get lockRowRate(): number {
    return this.lockRate;
  }

  snapshot(): Record<string, unknown> {
    const m = this.activeMaintenance();
    return {
      maintenance: m
        ? { remainingMs: m.until - Date.now(), status: m.status, html: m.html, readOnly: m.readOnly }
        : null,
      latencyMs: this.latency,
      lockRowRate: this.lockRate,
      lockRowSeed: this.lockSeed,
      failNext: this.failNextState ? { ...this.failNextState } : null,
      upsertRace: this.raceRemaining > 0 ? { count: this.raceRemaining } : null,
    };
  }
}

const LOCK_CODE = 'UNABLE_TO_LOCK_ROW';
const ROLLED_BACK = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

function lockFailure(id: string | undefined): SaveResult {
  const message = id
    ? `unable to obtain exclusive access to this record or 1 records: ${id}`
    : 'unable to obtain exclusive access to this record';
  return { id: id ?? null, success: false, errors: [{ statusCode: LOCK_CODE, message, fields: [] }] };
}

function idOfRecord(r: RecordInput | undefined): string | undefined {
  const v = r?.['Id'] ?? r?.['id'];
  return typeof v === 'string' ? v : undefined;
}

function subsetOptions(options: WriteOptions | undefined, keep: readonly number[]): WriteOptions | undefined {
  if (!options?.fieldsToNull) return options;
  const all = options.fieldsToNull;
  return { ...options, fieldsToNull: keep.map((i) => all[i]) };
}

/** Records of an upsert that lose an injected race: their external id matches a live record. */
function racedUpserts(
  org: OrgApi,
  faults: Faults,
  type: string,
  field: string,
  records: readonly RecordInput[],
): Map<number, SaveResult> {
  const out = new Map<number, SaveResult>();
  const lower = field.toLowerCase();
  records.forEach((r, i) => {
    const entry = Object.entries(r).find(([k]) => k.toLowerCase() === lower);
    const value = entry?.[1];
    if (typeof value !== 'string' || value === '') return;
    let ids: string[];
    try {
      ids = org.findByField(type, field, value);
    } catch {
      return; // unknown type or field: the real upsert reports it
    }
    const existing = ids[0];
    if (existing === undefined || !faults.takeRace()) return;
    const fieldName = entry?.[0] ?? field;
    out.set(i, {
      id: null,
      success: false,
      errors: [
        {
          statusCode: 'DUPLICATE_VALUE',
          message: `duplicate value found: ${fieldName} duplicates value on record with id: ${existing}`,
          fields: [],
        },
      ],
    });
  });
  return out;
}

/**
 * An org whose writes fail with UNABLE_TO_LOCK_ROW per record at the configured rate, as records
 * contended by other transactions do. Failed records are not written; with allOrNone nothing is.
 */
export function withLockFaults(org: OrgApi, faults: Faults): OrgApi {
  function guarded(
    count: number,
    idOf: (i: number) => string | undefined,
    options: WriteOptions | undefined,
    run: (keep: readonly number[] | undefined) => SaveResult[],
  ): SaveResult[] {
    if (faults.lockRowRate <= 0 || count === 0) return run(undefined);
    const failed = new Set<number>();
    for (let i = 0; i < count; i++) if (faults.rollLock()) failed.add(i);
    if (failed.size === 0) return run(undefined);
    const all = Array.from({ length: count }, (_, i) => i);
    if (options?.allOrNone) {
      return all.map((i) =>
        failed.has(i)
          ? lockFailure(idOf(i))
          : { id: idOf(i) ?? null, success: false, errors: [{ ...ROLLED_BACK }] },
      );
    }
    const keep = all.filter((i) => !failed.has(i));
    const results = keep.length > 0 ? run(keep) : [];
    const out: SaveResult[] = [];
    let k = 0;
    for (const i of all)
      out.push(failed.has(i) ? lockFailure(idOf(i)) : (results[k++] ?? lockFailure(idOf(i))));
    return out;
  }
  const pick = <T>(items: readonly T[], keep: readonly number[] | undefined): readonly T[] =>
    keep ? keep.map((i) => items[i] as T) : items;

  const overrides: Partial<OrgApi> = {
    create: (type, records, options) =>
      guarded(
        records.length,
        () => undefined,
        options,
        (keep) => org.create(type, pick(records, keep), keep ? subsetOptions(options, keep) : options),
      ),
    update: (type, records, options) =>
      guarded(
        records.length,
        (i) => idOfRecord(records[i]),
        options,
        (keep) => org.update(type, pick(records, keep), keep ? subsetOptions(options, keep) : options),
      ),
    upsert: (type, field, records, options) => {
      const locked = (recs: readonly RecordInput[], opts: WriteOptions | undefined): SaveResult[] =>
        guarded(
          recs.length,
          (i) => idOfRecord(recs[i]),
          opts,
          (keep) => org.upsert(type, field, pick(recs, keep), keep ? subsetOptions(opts, keep) : opts),
        );
      const raced =
        faults.upsertRaces > 0
          ? racedUpserts(org, faults, type, field, records)
          : new Map<number, SaveResult>();
      if (raced.size === 0) return locked(records, options);
      const all = records.map((_, i) => i);
      if (options?.allOrNone) {
        return all.map((i) => raced.get(i) ?? { id: null, success: false, errors: [{ ...ROLLED_BACK }] });
      }
      const keep = all.filter((i) => !raced.has(i));
      const results = keep.length > 0 ? locked(pick(records, keep), subsetOptions(options, keep)) : [];
      let k = 0;
      return all.map((i) => raced.get(i) ?? results[k++] ?? lockFailure(undefined));
    },
    delete: (ids, options) =>
      guarded(
        ids.length,
        (i) => ids[i],
        options,
        (keep) => org.delete(pick(ids, keep), options),
      ),
  };
  return new Proxy(org, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof OrgApi];
      const value: unknown = Reflect.get(target, prop, target);
      // Bind to the real org: class instances with private fields reject a proxy as `this`.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
