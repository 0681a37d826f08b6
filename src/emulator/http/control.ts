/**
 * The control surface under `/__emulator` (no auth, never counted, immune to faults): what a test
 * or a demo does to the org that Salesforce's API cannot — reset, bulk-load, edit records "as a UI
 * user", change formulas and fields, empty the recycle bin, move the clock — plus fault injection
 * and the call and limit counters. Bodies are JSON, validated with zod.
 */
import { z } from 'zod';
import type { OrgApi } from '../org/types.js';
import { FIELD_TYPES, fieldHeadSchema } from '../schema/schema-file.js';
import type { FieldDef } from '../schema/types.js';
import { parseJsonText } from './body.js';
import type { HttpContext } from './context.js';
import { describeField } from './describe.js';
import { HttpError } from './errors.js';
import { faultSettingsSchema } from './faults.js';
import { json, noContent } from './respond.js';
import { collectionResult } from './save-results.js';
import type { EmuRequest, Route } from './types.js';

const schemas = {
  records: z.union([
    z.array(z.record(z.string(), z.unknown())),
    z.object({ records: z.array(z.record(z.string(), z.unknown())) }),
  ]),
  change: z.strictObject({
    fields: z.record(z.string(), z.unknown()),
    visibleAfterMs: z.number().int().min(0).optional(),
  }),
  formula: z.strictObject({ formula: z.string().min(1) }),
  // A field as the org holds it: the schema file's types and a few more; other keys pass through to it.
  field: fieldHeadSchema
    .extend({ type: z.enum(['id', ...FIELD_TYPES, 'base64', 'address', 'location']) })
    .loose(),
  recycle: z.strictObject({ ids: z.array(z.string()).optional() }),
  clock: z.strictObject({
    at: z.union([z.string(), z.number()]).optional(),
    advanceMs: z.number().optional(),
    frozen: z.boolean().optional(),
  }),
  limits: z.strictObject({
    max: z.number().int().min(0).optional(),
    used: z.number().int().min(0).optional(),
  }),
};

/** Parses and validates a control body; an empty body is `{}`. */
function body<T>(req: EmuRequest, schema: z.ZodType<T>): T {
  const text = req.body.toString('utf8');
  const value = text.trim() === '' ? {} : parseJsonText(text);
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, 'INVALID_INPUT', `${where}${issue?.message ?? 'invalid body'}`);
  }
  return parsed.data;
}

function clockState(org: OrgApi): { now: string } {
  return { now: org.now().toISOString() };
}

export function controlRoutes(ctx: HttpContext): Route[] {
  const { rawOrg: org, faults, limits, sessions, locators } = ctx;
  const route = (method: Route['method'], path: string, name: string, handle: Route['handle']): Route => ({
    method,
    pattern: new RegExp(`^/__emulator${path}$`),
    auth: 'none',
    name: `control-${name}`,
    counted: false,
    handle,
  });
  const T = '(?<type>[A-Za-z][A-Za-z0-9_]*)';

  return [
    route('GET', '', 'index', () =>
      json(200, {
        emulator: 'ferry',
        apiVersion: ctx.config.maxApiVersion,
        username: ctx.config.username,
        orgId: org.identity.orgId,
        ...clockState(org),
      }),
    ),
    route('POST', '/reset', 'reset', () => {
      org.reset();
      faults.clear();
      locators.clear();
      limits.reset();
      return json(200, { ok: true, ...clockState(org) });
    }),
    route('POST', `/records/${T}`, 'load', (req) => {
      const input = body(req, schemas.records);
      const records = Array.isArray(input) ? input : input.records;
      const results = org.load(req.params['type'] ?? '', records);
      return json(
        200,
        results.map((r) => collectionResult(r, false)),
      );
    }),
    route('PATCH', `/records/${T}/(?<id>[A-Za-z0-9]{15,18})`, 'change', (req) => {
      const input = body(req, schemas.change);
      const options = input.visibleAfterMs !== undefined ? { visibleAfterMs: input.visibleAfterMs } : {};
      const r = org.changeAsUser(req.params['type'] ?? '', req.params['id'] ?? '', input.fields, options);
      return json(r.success ? 200 : 400, collectionResult(r, false));
    }),
    route('PUT', `/formula/${T}/(?<field>[A-Za-z][A-Za-z0-9_]*)`, 'formula', (req) => {
      org.setFormula(req.params['type'] ?? '', req.params['field'] ?? '', body(req, schemas.formula).formula);
      return json(200, { ok: true });
    }),
    route('POST', `/fields/${T}`, 'add-field', (req) => {
      const spec = body(req, schemas.field) as Partial<FieldDef> & Pick<FieldDef, 'name' | 'type'>;
      return json(201, describeField(org.addField(req.params['type'] ?? '', spec)));
    }),
    route('POST', '/recycle-bin/empty', 'empty-recycle-bin', (req) => {
      const { ids } = body(req, schemas.recycle);
      return json(200, { purged: org.emptyRecycleBin(ids) });
    }),
    route('GET', '/clock', 'clock', () => json(200, clockState(org))),
    route('POST', '/clock', 'set-clock', (req) => {
      const input = body(req, schemas.clock);
      const frozen = input.frozen !== undefined ? { frozen: input.frozen } : {};
      if (input.at !== undefined) {
        const at = new Date(input.at);
        if (!Number.isFinite(at.getTime()))
          throw new HttpError(400, 'INVALID_INPUT', `at: not a date: ${input.at}`);
        org.setClock(at, frozen);
      } else if (input.frozen !== undefined) {
        org.setClock(org.now(), frozen);
      }
      if (input.advanceMs !== undefined) org.advanceClock(input.advanceMs);
      return json(200, clockState(org));
    }),
    route('GET', '/faults', 'faults', () => json(200, faults.snapshot())),
    route('POST', '/faults', 'set-faults', (req) => {
      const settings = body(req, faultSettingsSchema);
      faults.apply(settings);
      if (settings.expireSessions) sessions.expireAll();
      if (settings.exhaustDailyLimit) limits.exhaust();
      return json(200, faults.snapshot());
    }),
    route('DELETE', '/faults', 'clear-faults', () => {
      faults.clear();
      return noContent();
    }),
    route('GET', '/calls', 'calls', () => json(200, limits.calls())),
    route('DELETE', '/calls', 'reset-calls', () => {
      limits.resetCalls();
      return noContent();
    }),
    route('GET', '/limits', 'limits', () =>
      json(200, { dailyApiRequests: limits.apiUsage, limits: limits.render() }),
    ),
    route('POST', '/limits', 'set-limits', (req) => {
      const input = body(req, schemas.limits);
      limits.set(input);
      return json(200, { dailyApiRequests: limits.apiUsage });
    }),
  ];
}
