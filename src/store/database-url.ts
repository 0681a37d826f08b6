/** Connection URLs: pointing a URL at another database, and printing one without its password. */

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The database a URL names (defaults to the user name, as libpq does). */
export function databaseOf(url: string): string {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return name !== '' ? name : decodeURIComponent(parsed.username);
}

/** For logs and terminals: the password is replaced, everything else kept. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Unparseable: don't risk echoing a secret back.
    return '[unparseable database URL]';
  }
  if (parsed.password === '') return parsed.toString();
  // Built by hand because URL would percent-encode the brackets of the marker.
  const user = parsed.username === '' ? '' : parsed.username;
  return `${parsed.protocol}//${user}:[redacted]@${parsed.host}${parsed.pathname}${parsed.search}`;
}
