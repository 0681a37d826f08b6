/**
 * Secret redaction. Keys whose names look secret are replaced wholesale; strings that look like
 * Salesforce session ids (`00D...!...`) or bearer tokens are masked wherever they appear.
 */
const SECRET_KEY =
  /(pass(word)?|secret|token|authorization|assertion|private[_-]?key|session[_-]?id|cookie|sid)$/i;
const SESSION_ID = /00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]+/g;
const BEARER = /(Bearer|OAuth)\s+[A-Za-z0-9._!\-~+/=]{16,}/gi;
const URL_PASSWORD = /(\w+:\/\/[^:/\s]+:)[^@\s]+@/g;

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactString(s: string): string {
  return s
    .replace(SESSION_ID, '00D…[redacted]')
    .replace(BEARER, '$1 [redacted]')
    .replace(URL_PASSWORD, '$1[redacted]@');
}

/** Deep copy with secrets removed; safe to log or print as `--json`. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[…]';
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
