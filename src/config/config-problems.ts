/**
 * Configuration problems are collected, never thrown one at a time: the user sees every problem
 * with its fix in one run. `ConfigProblemsError` is a ConfigError (CLI exit 2) carrying the list.
 */
import { ConfigError } from '../errors/index.js';

export interface ConfigProblem {
  /** Where: a file key path (`mirror.pollInterval`, `objects.Account.filter`), `org`, `database`… */
  readonly path: string;
  /** What is wrong (never containing a secret). */
  readonly message: string;
  /** What to do about it. */
  readonly fix?: string | undefined;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path}: ${p.message}${p.fix ? ` — ${p.fix}` : ''}`;
}

export class ConfigProblemsError extends ConfigError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], what = 'configuration') {
    const n = problems.length;
    super(`${n} ${what} problem${n === 1 ? '' : 's'}:\n  - ${problems.map(formatProblem).join('\n  - ')}`, {
      code: 'INVALID_CONFIG',
      fields: problems.map((p) => p.path),
      hint: 'fix each problem listed above, then run `ferry config check` again',
    });
    this.problems = Object.freeze([...problems]);
  }
}

/** Throws one ConfigProblemsError when there is any problem. */
export function throwIfProblems(problems: readonly ConfigProblem[], what?: string): void {
  if (problems.length > 0) throw new ConfigProblemsError(problems, what);
}

/** Problems out of a ConfigError thrown by `resolveOptions` (its message lists them as `  - …`). */
export function problemsOf(err: ConfigError, path: string): ConfigProblem[] {
  if (err instanceof ConfigProblemsError) return [...err.problems];
  const lines = err.message
    .split('\n')
    .filter((l) => l.startsWith('  - '))
    .map((l) => l.slice(4));
  return (lines.length ? lines : [err.message]).map((message) => ({ path, message }));
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The candidate closest to `word` (case-insensitive edit distance), when reasonably close. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const score = distance(w, c.toLowerCase());
    if (score < bestScore) [best, bestScore] = [c, score];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
