/** `GET …/limits`: the org's allocations, e.g. `DailyApiRequests: {Max, Remaining}`. Counts as a call. */
import { z } from 'zod';
import type { ApiContext } from '../api-context.js';

const LimitSchema = z.looseObject({ Max: z.number(), Remaining: z.number() });
export type OrgLimit = z.output<typeof LimitSchema>;
export type OrgLimits = Record<string, OrgLimit>;

export function limits(ctx: ApiContext, signal?: AbortSignal): Promise<OrgLimits> {
  return ctx.transport.json(
    { method: 'GET', path: `${ctx.basePath}/limits`, context: 'limits', signal },
    z.record(z.string(), LimitSchema),
  );
}
