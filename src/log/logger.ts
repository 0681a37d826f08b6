import { destination, pino, type Logger } from 'pino';
import { resolveLogOptions } from '../config/log-options.js';
import { redact, redactString } from './redact.js';

export type { Logger };

/**
 * Structured logs go to stderr (stdout is for command results). Every object logged passes through
 * `redact`, so a secret that slips into a context object or an error message is masked.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'ferry',
      level: options.level ?? resolveLogOptions().level,
      formatters: {
        log: (obj) => redact(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? redactString(a) : a)) as typeof args;
          method.apply(this, redacted);
        },
      },
    },
    destination({ fd: 2, sync: true }),
  );
}

let root: Logger | undefined;

/** The process-wide logger; modules take a child of it with their own context. */
export function rootLogger(): Logger {
  root ??= createLogger();
  return root;
}

export function setRootLogger(logger: Logger): void {
  root = logger;
}
