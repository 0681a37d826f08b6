import type { ApiUsage } from '../salesforce/index.js';

/**
 * The API governor: a cycle ends cleanly once the org's daily API usage reaches `budget` (a share of
 * its limit, mirror.apiBudget). Returns the warning to record, or null while under budget. Before
 * the first call there is no usage to judge: the cycle proceeds.
 */
export function budgetWarning(usage: ApiUsage | undefined, budget: number): string | null {
  if (!usage || usage.max <= 0) return null;
  if (usage.used / usage.max < budget) return null;
  const pct = Math.round((usage.used / usage.max) * 100);
  return (
    `API budget reached: ${usage.used} of ${usage.max} daily API requests used (${pct}%, budget ` +
    `${Math.round(budget * 100)}%); the cycle ended early and resumes when budget returns`
  );
}
