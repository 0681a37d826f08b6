/**
 * Verification of the JWT bearer grant's assertion (RS256 only, as Salesforce requires):
 * signature against the connected app's certificate key, `iss` = client id, `sub` = username,
 * `exp` in the future. `aud` is not checked: clients send login.salesforce.com, test.salesforce.com
 * or the emulator's own URL, and all of them mean "this login server" here.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface JwtClaims {
  readonly iss?: unknown;
  readonly sub?: unknown;
  readonly aud?: unknown;
  readonly exp?: unknown;
}

export type JwtCheck =
  | { ok: true; claims: JwtClaims }
  | { ok: false; error: 'invalid_grant' | 'invalid_client_id'; description: string };

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
}

const keyCache = new Map<string, KeyObject>();

function publicKey(pem: string): KeyObject {
  let key = keyCache.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    keyCache.set(pem, key);
  }
  return key;
}

export function verifyJwtAssertion(
  assertion: string,
  expected: { publicKeyPem: string | undefined; clientId: string; username: string; nowMs: number },
): JwtCheck {
  const invalid = (description: string): JwtCheck => ({ ok: false, error: 'invalid_grant', description });
  if (!expected.publicKeyPem)
    return invalid('invalid assertion: no certificate is configured for JWT bearer');
  const parts = assertion.split('.');
  if (parts.length !== 3) return invalid('invalid assertion');
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  let claims: JwtClaims;
  try {
    header = decodeSegment(h);
    const decoded = decodeSegment(p);
    if (typeof decoded !== 'object' || decoded === null) return invalid('invalid assertion');
    claims = decoded;
  } catch {
    return invalid('invalid assertion');
  }
  if ((header as { alg?: unknown } | null)?.alg !== 'RS256')
    return invalid('invalid assertion: alg must be RS256');
  let good: boolean;
  try {
    good = verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      publicKey(expected.publicKeyPem),
      Buffer.from(s, 'base64url'),
    );
  } catch {
    good = false;
  }
  if (!good) return invalid('invalid assertion');
  if (claims.iss !== expected.clientId) {
    return { ok: false, error: 'invalid_client_id', description: 'client identifier invalid' };
  }
  if (typeof claims.sub !== 'string' || claims.sub.toLowerCase() !== expected.username.toLowerCase()) {
    return invalid("user hasn't approved this consumer");
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= expected.nowMs)
    return invalid('expired assertion');
  return { ok: true, claims };
}
